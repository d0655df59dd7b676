package io.cohort.node.app;

import io.quarkus.runtime.ApplicationLifecycleManager;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.smallrye.config.ConfigValidationException;
import java.io.PrintStream;

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

    /**
     * The exit status, and the one line, of a start that failed. Given an exit handler, Quarkus
     * prints nothing of its own. A setting it could not read ({@code COHORT_CHAIN_ID=0x7a69}) is a
     * command line that cannot run: a line per setting and 2, like a usage error. Anything else
     * (the HTTP port taken) is its root cause on one line and the status Quarkus gave.
     */
    static int exitStatus(int status, Throwable failure, PrintStream err) {
        if (failure == null) {
            return status;
        }
        Throwable root = failure;
        Throwable configuration = null;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConfigValidationException invalid) { // a line per setting, wherever
                for (int i = 0; i < invalid.getProblemCount(); i++) {
                    String problem = invalid.getProblem(i).getMessage();
                    err.println("cohort-node: " + oneLine(problem.replaceFirst(THROWN_BY, "")));
                }
                return 2;
            }
            if (t instanceof ConfigurationException && configuration == null) {
                configuration = t;
            }
            root = t;
        }
        if (configuration != null) {
            err.println("cohort-node: " + oneLine(configuration.getMessage()));
            return 2;
        }
        err.println("cohort-node: cannot start: " + oneLine(root.toString()));
        return status == 0 ? 1 : status;
    }

    /** The exception class SmallRye puts in front of a setting's problem. */
    private static final String THROWN_BY = "^[\\w.$]+(Exception|Error): ";

    private static String oneLine(String message) {
        return String.valueOf(message).replaceAll("\\s+", " ").strip();
    }

    public static void main(String... args) {
        offlineByDefault();
        if (!Args.longRunning(args)) {
            System.setProperty("quarkus.http.host-enabled", "false");
        }
        Quarkus.run(
                NodeCommand.class,
                (status, failure) ->
                        ApplicationLifecycleManager.getDefaultExitCodeHandler()
                                .accept(exitStatus(status, failure, System.err), failure),
                args);
    }
}
