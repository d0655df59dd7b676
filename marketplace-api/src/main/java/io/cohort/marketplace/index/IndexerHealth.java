package io.cohort.marketplace.index;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once the indexer has read up to the chain's head as last seen (less its confirmations),
 * without an error since.
 */
@Readiness
@ApplicationScoped
public class IndexerHealth implements HealthCheck {

    @Inject Indexer indexer;

    @Override
    public HealthCheckResponse call() {
        long head = indexer.head();
        boolean caughtUp = caughtUp(head, indexer.next(), indexer.confirmations());
        String error = indexer.lastError();
        return HealthCheckResponse.named("market-index")
                .status(caughtUp && error == null)
                .withData("next-block", indexer.next())
                .withData("head", head)
                .withData("events", indexer.index().events())
                // events of projects created before cohort.index.start-block, or that do not decode
                .withData("skipped-events", indexer.index().skipped())
                .withData("error", error == null ? "none" : error)
                .build();
    }

    /**
     * Whether an indexer that will read next from {@code next} has read all it may of a chain whose
     * head is {@code head} while staying {@code confirmations} blocks behind it (one block of
     * slack: the head moves between two reads).
     */
    static boolean caughtUp(long head, long next, int confirmations) {
        return head >= 0 && next >= head - confirmations;
    }
}
