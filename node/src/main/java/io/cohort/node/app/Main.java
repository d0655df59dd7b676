package io.cohort.node.app;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * {@code java -jar quarkus-run.jar <command>}: the node's command line. Only {@code trainer run}
 * and {@code evaluator run} serve HTTP ({@code /status}, {@code /q/health}, {@code /q/metrics});
 * the short commands start no server.
 */
@QuarkusMain
public final class Main {

    private Main() {}

    public static void main(String... args) {
        if (!Args.longRunning(args)) {
            System.setProperty("quarkus.http.host-enabled", "false");
        }
        Quarkus.run(NodeCommand.class, args);
    }
}
