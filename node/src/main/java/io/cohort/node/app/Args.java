package io.cohort.node.app;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The command line: one or two command words ({@code trainer run}, {@code keys new}, {@code
 * status}) and {@code --name value} options, some repeatable ({@code --project}). Anything else is
 * a {@link UsageException} that names the offending word.
 */
public record Args(String command, Map<String, List<String>> options) {

    /** A command line that cannot run; the message is the one-line reason the CLI prints. */
    public static final class UsageException extends Exception {
        public UsageException(String message) {
            super(message);
        }
    }

    /** The commands and the options each accepts. */
    static final Map<String, Set<String>> COMMANDS =
            Map.of(
                    "trainer run", Set.of("project"),
                    "evaluator run", Set.of("project"),
                    "status", Set.of("project"),
                    "withdraw", Set.of("project"),
                    "unpin", Set.of("project"),
                    "keys new", Set.of(),
                    "keys import", Set.of("private-key-file"),
                    "keys show", Set.of(),
                    "help", Set.of());

    public static Args parse(String... argv) throws UsageException {
        if (argv.length > 0 && (argv[0].equals("--help") || argv[0].equals("-h"))) {
            return new Args("help", Map.of());
        }
        List<String> words = new ArrayList<>();
        int i = 0;
        while (i < argv.length && !argv[i].startsWith("--")) {
            words.add(argv[i++]);
        }
        if (words.isEmpty()) {
            throw new UsageException("no command given");
        }
        String command = String.join(" ", words);
        Set<String> allowed = COMMANDS.get(command);
        if (allowed == null) {
            throw new UsageException("unknown command '" + command + "'");
        }
        Map<String, List<String>> options = new LinkedHashMap<>();
        while (i < argv.length) {
            String word = argv[i++];
            if (!word.startsWith("--") || word.length() == 2) {
                throw new UsageException("'" + word + "' is not an option of '" + command + "'");
            }
            String name = word.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (!allowed.contains(name)) {
                throw new UsageException("'" + command + "' has no option --" + name);
            }
            if (value == null) {
                if (i >= argv.length || argv[i].startsWith("--")) {
                    throw new UsageException("--" + name + " needs a value");
                }
                value = argv[i++];
            }
            options.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return new Args(command, Map.copyOf(options));
    }

    public List<String> all(String name) {
        return options.getOrDefault(name, List.of());
    }

    public Optional<String> one(String name) throws UsageException {
        List<String> values = all(name);
        if (values.size() > 1) {
            throw new UsageException("--" + name + " is given " + values.size() + " times");
        }
        return values.stream().findFirst();
    }

    /** Whether the command runs until its projects end (and serves HTTP meanwhile). */
    public boolean longRunning() {
        return command.endsWith(" run");
    }

    /** Whether {@code argv} is such a command, decided before Quarkus starts. */
    static boolean longRunning(String... argv) {
        return argv.length >= 2
                && (argv[0].equals("trainer") || argv[0].equals("evaluator"))
                && argv[1].equals("run");
    }

    static final String USAGE =
            """
            usage: cohort-node <command> [options]

              trainer run --project P [--project Q ...]  train, submit and claim until the projects end
              evaluator run --project P [...]            judge and post every round until the projects end
              status [--project P ...]                   the projects' rounds and this account's standing
              withdraw --project P                       after the end: claim what is due, take back the stake or bond
              unpin --project P                          after the end and its audits: unpin its updates here
              keys new                                   create the keystore (password from COHORT_KEYSTORE_PASSWORD)
              keys import --private-key-file F           create the keystore from a hex private key
              keys show                                  the account's address and seal (X25519) public key

            Configuration: application.properties, environment (COHORT_RPC_URL, COHORT_MARKET,
            COHORT_KEYSTORE_PATH, ...) or -Dcohort.* properties; see docs/node.md.
            """;
}
