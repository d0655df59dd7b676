package io.cohort.contracts.build;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.web3j.codegen.SolidityFunctionWrapperGenerator;

/**
 * Build step of the contracts module: turns the ABI and bytecode that {@code forge build} wrote
 * into web3j Java bindings.
 *
 * <p>exec-maven-plugin runs it in {@code generate-sources} in Java's source-file mode ({@code java
 * -cp <codegen> GenerateBindings.java ...}), so it needs no compile step of its own and never ends
 * up in the module's jar. For each contract {@code Name} it reads {@code
 * <out>/Name.sol/Name.abi.json} and {@code <out>/Name.sol/Name.bin}, which forge writes because
 * foundry.toml asks for {@code extra_output_files = ["abi", "evm.bytecode.object"]}, and hands them
 * to web3j's {@link SolidityFunctionWrapperGenerator}, the same as its command line {@code -a -b -c
 * -o -p}.
 *
 * <p>forge rewrites those files on every build even when nothing changed, so freshness is judged by
 * content: a binding whose ABI, bytecode, package and codegen jar hash to the stamp left by the
 * previous run is not generated again (and so not recompiled).
 *
 * <p>Usage: {@code GenerateBindings <forge out dir> <output dir> <package> <stamp dir>
 * <Name>[,<Name>...]}
 */
public final class GenerateBindings {

    private GenerateBindings() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 5) {
            fail(
                    "usage: GenerateBindings <forge out dir> <output dir> <package> <stamp dir>"
                            + " <Name>[,<Name>...]; got "
                            + Arrays.toString(args));
        }
        Path forgeOut = Path.of(args[0]);
        Path outputDir = Path.of(args[1]);
        String packageName = args[2];
        Path stampDir = Path.of(args[3]);
        List<String> names =
                Arrays.stream(args[4].split(","))
                        .map(String::trim)
                        .filter(name -> !name.isEmpty())
                        .toList();
        if (names.isEmpty()) {
            fail("no contract to generate: list them in the web3j.contracts property");
        }
        Path packageDir = outputDir.resolve(packageName.replace('.', '/'));
        Files.createDirectories(stampDir);
        removeBindingsNotIn(names, packageDir, stampDir);
        for (String name : names) {
            Path abi = forgeOut.resolve(name + ".sol").resolve(name + ".abi.json");
            Path bin = forgeOut.resolve(name + ".sol").resolve(name + ".bin");
            for (Path input : List.of(abi, bin)) {
                if (!Files.isRegularFile(input)) {
                    fail(
                            "contract "
                                    + name
                                    + ": expected "
                                    + input
                                    + " from forge build, found none (is the contract in a file"
                                    + " named "
                                    + name
                                    + ".sol, and does foundry.toml still ask for"
                                    + " extra_output_files = [\"abi\", \"evm.bytecode.object\"]?)");
                }
            }
            Path binding = packageDir.resolve(name + ".java");
            Path stamp = stampDir.resolve(name + ".sha256");
            String inputsHash = hash(packageName, abi, bin);
            if (Files.isRegularFile(binding)
                    && Files.isRegularFile(stamp)
                    && Files.readString(stamp).equals(inputsHash)) {
                System.out.println("web3j binding " + packageName + "." + name + " is up to date");
                continue;
            }
            Files.deleteIfExists(binding);
            Files.deleteIfExists(stamp);
            // Exits the JVM with status 1 when web3j rejects the ABI or bytecode.
            SolidityFunctionWrapperGenerator.main(
                    new String[] {
                        "-a", abi.toString(),
                        "-b", bin.toString(),
                        "-c", name,
                        "-o", outputDir.toString(),
                        "-p", packageName
                    });
            if (!Files.isRegularFile(binding)) {
                fail("contract " + name + ": web3j codegen wrote no " + binding);
            }
            Files.writeString(stamp, inputsHash);
        }
    }

    /** The output package is ours alone: a contract dropped from the list loses its binding. */
    private static void removeBindingsNotIn(List<String> names, Path packageDir, Path stampDir)
            throws IOException {
        if (!Files.isDirectory(packageDir)) {
            return;
        }
        try (Stream<Path> files = Files.list(packageDir)) {
            for (Path file : files.toList()) {
                String fileName = file.getFileName().toString();
                if (!fileName.endsWith(".java")) {
                    continue;
                }
                String name = fileName.substring(0, fileName.length() - ".java".length());
                if (!names.contains(name)) {
                    Files.delete(file);
                    Files.deleteIfExists(stampDir.resolve(name + ".sha256"));
                }
            }
        }
    }

    private static String hash(String packageName, Path abi, Path bin) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        // The codegen jar's location names its version: a web3j upgrade regenerates everything.
        String generator =
                SolidityFunctionWrapperGenerator.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toString();
        digest.update(generator.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(packageName.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(Files.readAllBytes(abi));
        digest.update((byte) 0);
        digest.update(Files.readAllBytes(bin));
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void fail(String message) {
        System.err.println("GenerateBindings: " + message);
        System.exit(1);
    }
}
