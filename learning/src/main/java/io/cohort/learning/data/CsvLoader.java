package io.cohort.learning.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a CSV file with a header row: one column holds the integer class label, every other column
 * a numeric feature. Samples get the shape {@code [features]}. Plain comma-separated values without
 * quoting; errors name the file, line and column.
 */
public final class CsvLoader {

    /** Longest line accepted, so a file without newlines cannot exhaust memory. */
    public static final int MAX_LINE = 1 << 20;

    private CsvLoader() {}

    public static LabeledData load(Path file, String labelColumn, int numClasses)
            throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = readLine(in, file, 1);
            if (header == null) {
                throw new IOException(file + ": empty, expected a header row");
            }
            String[] names = header.split(",", -1);
            int label = Arrays.asList(names).indexOf(labelColumn);
            if (label < 0) {
                throw new IOException(
                        file
                                + ": no column named '"
                                + labelColumn
                                + "' in the header "
                                + Arrays.toString(names));
            }
            int features = names.length - 1;
            if (features < 1) {
                throw new IOException(file + ": no feature columns besides '" + labelColumn + "'");
            }
            List<float[]> rows = new ArrayList<>();
            List<Integer> labels = new ArrayList<>();
            String line;
            int lineNumber = 1;
            while ((line = readLine(in, file, ++lineNumber)) != null) {
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = line.split(",", -1);
                if (cells.length != names.length) {
                    throw new IOException(
                            file
                                    + ":"
                                    + lineNumber
                                    + ": "
                                    + cells.length
                                    + " columns, the header has "
                                    + names.length);
                }
                float[] row = new float[features];
                int f = 0;
                for (int c = 0; c < cells.length; c++) {
                    String cell = cells[c].strip();
                    if (c == label) {
                        int y;
                        try {
                            y = Integer.parseInt(cell);
                        } catch (NumberFormatException e) {
                            throw new IOException(
                                    file
                                            + ":"
                                            + lineNumber
                                            + ": label '"
                                            + cell
                                            + "' is not an integer");
                        }
                        if (y < 0 || y >= numClasses) {
                            throw new IOException(
                                    file
                                            + ":"
                                            + lineNumber
                                            + ": label "
                                            + y
                                            + " is outside [0, "
                                            + numClasses
                                            + ")");
                        }
                        labels.add(y);
                    } else {
                        float v;
                        try {
                            v = Float.parseFloat(cell);
                        } catch (NumberFormatException e) {
                            throw new IOException(
                                    file
                                            + ":"
                                            + lineNumber
                                            + ": column '"
                                            + names[c]
                                            + "' value '"
                                            + cell
                                            + "' is not a number");
                        }
                        if (!Float.isFinite(v)) {
                            throw new IOException(
                                    file
                                            + ":"
                                            + lineNumber
                                            + ": column '"
                                            + names[c]
                                            + "' is "
                                            + v);
                        }
                        row[f++] = v;
                    }
                }
                rows.add(row);
            }
            float[] all = new float[rows.size() * features];
            for (int i = 0; i < rows.size(); i++) {
                System.arraycopy(rows.get(i), 0, all, i * features, features);
            }
            return new LabeledData(
                    all,
                    labels.stream().mapToInt(Integer::intValue).toArray(),
                    new int[] {features},
                    numClasses);
        }
    }

    private static String readLine(BufferedReader in, Path file, int number) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (sb.length() >= MAX_LINE) {
                throw new IOException(
                        file + ":" + number + ": line longer than " + MAX_LINE + " characters");
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return c < 0 && sb.length() == 0 ? null : sb.toString();
    }
}
