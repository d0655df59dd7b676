package io.cohort.node.app;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/** {@code /q/health}: live while the run loop runs; ready when its last tick reached both. */
public final class NodeHealth {

    private NodeHealth() {}

    @Liveness
    @ApplicationScoped
    public static class Loop implements HealthCheck {
        @Inject NodeState state;

        @Override
        public HealthCheckResponse call() {
            NodeState.Status s = state.status();
            return HealthCheckResponse.named("run-loop")
                    .status(s.running())
                    .withData("role", s.role())
                    .withData("last-tick", String.valueOf(s.lastTick()))
                    .build();
        }
    }

    @Readiness
    @ApplicationScoped
    public static class Reachable implements HealthCheck {
        @Inject NodeState state;

        @Override
        public HealthCheckResponse call() {
            NodeState.Status s = state.status();
            return HealthCheckResponse.named("chain-and-ipfs")
                    .status(s.lastTick() != null && s.chainReachable() && s.ipfsReachable())
                    .withData("chain", s.chainReachable())
                    .withData("ipfs", s.ipfsReachable())
                    .build();
        }
    }
}
