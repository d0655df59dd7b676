package io.cohort.marketplace.index;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the indexer has read up to the chain's head as last seen, without an error since. */
@Readiness
@ApplicationScoped
public class IndexerHealth implements HealthCheck {

    @Inject Indexer indexer;

    @Override
    public HealthCheckResponse call() {
        long head = indexer.head();
        boolean caughtUp = head >= 0 && indexer.next() > head - 1;
        String error = indexer.lastError();
        return HealthCheckResponse.named("market-index")
                .status(caughtUp && error == null)
                .withData("next-block", indexer.next())
                .withData("head", head)
                .withData("events", indexer.index().events())
                .withData("error", error == null ? "none" : error)
                .build();
    }
}
