package io.cohort.node.app;

import io.cohort.ipfs.ContentStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/** {@code /q/health}: live while the run loop runs; ready when its last tick reached both. */
public final class NodeHealth {

    private NodeHealth() {}

    /**
     * Whether this node's IPFS counts as reached for readiness: it answers, and if it is online it
     * has a peer (an isolated Kubo can neither serve this node's updates nor fetch others'; a store
     * shared by every party, {@link SharedIpfs}, or an offline one is local and needs none).
     */
    static boolean ipfsReady(ContentStore ipfs) {
        try {
            return ipfs.reach() != ContentStore.Reach.ISOLATED;
        } catch (IOException | RuntimeException e) {
            return false; // a daemon that is down does not answer swarm/peers either
        }
    }

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
