package io.cohort.learning.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CsvLoaderTest {

    @TempDir Path dir;

    private Path csv(String content) throws IOException {
        Path f = dir.resolve("d.csv");
        Files.writeString(f, content);
        return f;
    }

    @Test
    void readsFeaturesInHeaderOrderWithTheLabelColumnAnywhere() throws IOException {
        // given CRLF line ends, a byte-order mark, blank lines and spaces around cells
        Path file = csv("\uFEFFa, label ,b\r\n1.5,2,-3\n\n 0 , 0 , 4e-1\n+.5,1,-2.E+1\n");

        // when
        LabeledData d = CsvLoader.load(file, "label", 3);

        // then
        assertThat(d.size()).isEqualTo(3);
        assertThat(d.sampleShape()).containsExactly(2);
        assertThat(d.numClasses()).isEqualTo(3);
        assertThat(d.features()).containsExactly(1.5f, -3f, 0f, 0.4f, 0.5f, -20f);
        assertThat(d.labels()).containsExactly(2, 0, 1);
    }

    @Test
    void readsManyRows() throws IOException {
        StringBuilder sb = new StringBuilder("x,y,z\n");
        for (int i = 0; i < 1000; i++) {
            sb.append(i).append(',').append(i % 7).append(',').append(-i).append('\n');
        }

        LabeledData d = CsvLoader.load(csv(sb.toString()), "y", 7);

        assertThat(d.size()).isEqualTo(1000);
        assertThat(d.labels()[999]).isEqualTo(999 % 7);
        assertThat(d.features()[2 * 999]).isEqualTo(999f);
        assertThat(d.features()[2 * 999 + 1]).isEqualTo(-999f);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            textBlock =
                    """
                    short row            | a,y\\n1,0\\n2\\n          | :3: 1 cell, the header has 2 columns
                    long row             | a,y\\n1,0,5\\n            | :2: 3 cells, the header has 2 columns
                    line after a blank   | a,y\\n1,0\\n\\nx,1\\n     | :4: column 'a': value 'x' is not a decimal number
                    not a number         | a,y\\n1e,0\\n             | :2: column 'a': value '1e' is not a decimal number
                    empty cell           | a,y\\n,0\\n               | :2: column 'a': value '' is not a decimal number
                    hex float            | a,y\\n0x1p3,0\\n          | value '0x1p3' is not a decimal number
                    Java suffix          | a,y\\n1f,0\\n             | value '1f' is not a decimal number
                    NaN                  | a,y\\nNaN,0\\n            | :2: column 'a': value 'NaN' is not finite
                    inf                  | a,y\\n-inf,0\\n           | value '-inf' is not finite
                    Infinity             | a,y\\nInfinity,0\\n       | value 'Infinity' is not finite
                    overflow             | a,y\\n1e39,0\\n           | value '1e39' overflows a float
                    label not integer    | a,y\\n1,1.0\\n            | :2: column 'y': label '1.0' is not an integer
                    label too large      | a,y\\n1,5\\n              | :2: column 'y': label 5 is outside [0, 2)
                    label negative       | a,y\\n1,-1\\n             | label -1 is outside [0, 2)
                    no such column       | a,b\\n1,0\\n              | :1: no column named 'y' in the header [a, b]
                    duplicate column     | a,y,a\\n1,0,1\\n          | :1: column name 'a' appears twice
                    only the label       | y\\n0\\n                  | :1: no feature columns besides 'y'
                    empty file           | ``                        | :1: empty, expected a header row
                    header only          | a,y\\n                    | a header but no data rows
                    """)
    void refusesMalformedInputNamingTheLine(String why, String content, String message)
            throws IOException {
        Path file = csv(content.replace("\\n", "\n"));

        assertThatThrownBy(() -> CsvLoader.load(file, "y", 2))
                .as(why)
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(file.toString())
                .hasMessageContaining(message);
    }

    @Test
    void refusesOverlongLines() throws IOException {
        Path file = csv("a,y\n" + "1".repeat(CsvLoader.MAX_LINE + 1) + ",0\n");

        assertThatThrownBy(() -> CsvLoader.load(file, "y", 2))
                .hasMessage(file + ":2: line longer than " + CsvLoader.MAX_LINE + " characters");
    }

    @Test
    void refusesANonPositiveClassCount() throws IOException {
        Path file = csv("a,y\n1,0\n");

        assertThatThrownBy(() -> CsvLoader.load(file, "y", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("numClasses must be positive, got 0");
    }
}
