package io.cohort.learning.tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs short scripts with the setup's venv Python (numpy, safetensors, ml_dtypes installed). */
final class VenvPython {

    private static final long TIMEOUT_SECONDS = 60;

    private VenvPython() {}

    /**
     * Runs {@code script} with {@code args} as {@code sys.argv[1:]}; returns its standard output,
     * stripped.
     *
     * @throws AssertionError if Python is missing, times out or exits non-zero (with its output)
     */
    static String run(String script, Path workDir, String... args)
            throws IOException, InterruptedException {
        String exe = System.getProperty("cohort.venv.python");
        if (exe == null || !Files.isExecutable(Path.of(exe))) {
            throw new AssertionError(
                    "no venv Python at "
                            + exe
                            + " (system property cohort.venv.python): run ./setup");
        }
        List<String> command = new ArrayList<>(List.of(exe, "-c", script));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(workDir, "python", ".out");
        Process p =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(out.toFile())
                        .start();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("python did not finish in " + TIMEOUT_SECONDS + " s");
        }
        String output = Files.readString(out, StandardCharsets.UTF_8).strip();
        if (p.exitValue() != 0) {
            throw new AssertionError("python exited with " + p.exitValue() + ":\n" + output);
        }
        return output;
    }
}
