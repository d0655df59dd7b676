package io.cohort.node.app;

import io.cohort.node.chain.ChainException;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.value.registry.ValueRegistry;
import io.quarkus.vertx.http.HttpServer;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.PrintStream;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Runs one command line: parses it, runs the command, and turns every failure into one line on
 * stderr and an exit status (2 for a command line that cannot run, 1 for a command that failed).
 */
public class NodeCommand implements QuarkusApplication {

    @Inject NodeConfig config;
    @Inject NodeState state;
    @Inject MeterRegistry metrics;
    @Inject ValueRegistry values;

    /** Where the HTTP face listens: the configured host and the port it actually bound. */
    private String httpAddress() {
        String host =
                ConfigProvider.getConfig()
                        .getOptionalValue("quarkus.http.host", String.class)
                        .orElse("127.0.0.1");
        return "http://" + host + ":" + values.getOrDefault(HttpServer.HTTP_PORT, -1);
    }

    @Override
    public int run(String... argv) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        try {
            Args args = Args.parse(argv);
            Commands commands = new Commands(config, state, metrics, out, this::httpAddress);
            return switch (args.command()) {
                case "help" -> {
                    out.print(Args.USAGE);
                    yield 0;
                }
                case "keys new" -> commands.keysNew();
                case "keys import" -> commands.keysImport(args);
                case "keys show" -> commands.keysShow();
                case "status" -> commands.status(args);
                case "withdraw" -> commands.withdraw(args);
                case "unpin" -> commands.unpin(args);
                case "trainer run" -> commands.run(Commands.Role.TRAINER, args);
                case "evaluator run" -> commands.run(Commands.Role.EVALUATOR, args);
                default -> throw new Args.UsageException("unknown command " + args.command());
            };
        } catch (Args.UsageException e) {
            err.println(
                    "cohort-node: " + e.getMessage() + " (cohort-node --help lists the commands)");
            return 2;
        } catch (Commands.Failure | IOException | ChainException e) {
            err.println("cohort-node: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            err.println("cohort-node: unexpected " + e);
            return 1;
        }
    }
}
