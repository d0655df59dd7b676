package io.cohort.ipfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {

    @TempDir Path dir;

    @Test
    void replacesTheWholeFileAndLeavesNoTemporary() throws Exception {
        Path file = dir.resolve("cursor");
        AtomicFile.write(
                file, "a much longer first content\n".getBytes(StandardCharsets.UTF_8), false);
        AtomicFile.write(file, "short\n".getBytes(StandardCharsets.UTF_8), true);

        assertArrayEquals("short\n".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(file));
        assertFalse(Files.exists(dir.resolve("cursor.tmp")));
    }

    @Test
    void aStaleTemporaryFromACrashIsOverwritten() throws Exception {
        Path file = dir.resolve("waiting");
        Files.writeString(
                dir.resolve("waiting.tmp"), "torn half of an earlier write that is longer");
        AtomicFile.write(file, new byte[] {1, 2, 3}, true);

        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(file));
        assertFalse(Files.exists(dir.resolve("waiting.tmp")));
    }
}
