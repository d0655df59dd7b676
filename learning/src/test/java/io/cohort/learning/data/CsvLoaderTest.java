package io.cohort.learning.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvLoaderTest {

    @TempDir Path dir;

    private Path csv(String content) throws IOException {
        Path f = dir.resolve("d.csv");
        Files.writeString(f, content);
        return f;
    }

    @Test
    void readsFeaturesAndTheLabelColumnAnywhere() throws IOException {
        LabeledData d = CsvLoader.load(csv("a,label,b\r\n1.5,2,-3\n0,0,4e-1\n\n"), "label", 3);
        assertThat(d.size()).isEqualTo(2);
        assertThat(d.sampleShape()).containsExactly(2);
        assertThat(d.features()).containsExactly(1.5f, -3f, 0f, 0.4f);
        assertThat(d.labels()).containsExactly(2, 0);
    }

    @Test
    void errorsNameTheLineAndTheColumn() throws IOException {
        assertThatThrownBy(() -> CsvLoader.load(csv("a,y\n1,0\n2\n"), "y", 2))
                .hasMessageEndingWith(":3: 1 columns, the header has 2");
        assertThatThrownBy(() -> CsvLoader.load(csv("a,y\nx,0\n"), "y", 2))
                .hasMessageContaining(":2: column 'a' value 'x' is not a number");
        assertThatThrownBy(() -> CsvLoader.load(csv("a,y\nNaN,0\n"), "y", 2))
                .hasMessageContaining("column 'a' is NaN");
        assertThatThrownBy(() -> CsvLoader.load(csv("a,y\n1,5\n"), "y", 2))
                .hasMessageContaining("label 5 is outside [0, 2)");
        assertThatThrownBy(() -> CsvLoader.load(csv("a,b\n1,0\n"), "y", 2))
                .hasMessageContaining("no column named 'y'");
        assertThatThrownBy(() -> CsvLoader.load(csv(""), "y", 2)).hasMessageContaining("empty");
    }
}
