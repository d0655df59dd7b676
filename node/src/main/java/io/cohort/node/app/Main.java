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

    /**
     * DJL offline unless the command line says otherwise: with it unset, a missing native library
     * or model would be downloaded at run time, and nothing here may download.
     */
    static void offlineByDefault() {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }

    public static void main(String... args) {
        offlineByDefault();
        if (!Args.longRunning(args)) {
            System.setProperty("quarkus.http.host-enabled", "false");
        }
        Quarkus.run(NodeCommand.class, args);
    }
}
