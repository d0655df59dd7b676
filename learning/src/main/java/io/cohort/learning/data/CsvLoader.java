package io.cohort.learning.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a CSV file with a header row: one named column holds the integer class label, every other
 * column a numeric feature. Samples get the shape {@code [features]}. Plain comma-separated values
 * without quoting; blank lines are skipped, {@code \r\n} and a UTF-8 byte-order mark are accepted.
 * Numbers are decimal ({@code -1.5}, {@code 2e-3}); NaN and infinities are refused. Every error
 * names the file and the 1-based line.
 */
public final class CsvLoader {

    /** Longest line accepted, so that a file without newlines cannot exhaust memory. */
    public static final int MAX_LINE = 1 << 20;

    private static final Pattern DECIMAL =
            Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Set<String> NON_FINITE =
            Set.of("nan", "inf", "infinity", "+inf", "-inf", "+infinity", "-infinity", "+nan");

    private CsvLoader() {}

    /**
     * Reads the whole file.
     *
     * @param file a CSV file whose first line names the columns
     * @param labelColumn the name of the label column
     * @param numClasses how many classes the labels range over
     * @return one sample per data row, features in header order without the label column
     * @throws IOException if the file cannot be read or is malformed: no header, no such column,
     *     duplicate column names, a row with the wrong number of cells, a value that is not a
     *     finite decimal number, a label that is not an integer in {@code [0, numClasses)}, or no
     *     rows
     * @throws IllegalArgumentException if {@code numClasses} is not positive
     */
    public static LabeledData load(Path file, String labelColumn, int numClasses)
            throws IOException {
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be positive, got " + numClasses);
        }
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = readLine(in, file, 1);
            if (header == null || header.isBlank()) {
                throw new IOException(file + ":1: empty, expected a header row");
            }
            if (header.startsWith("\uFEFF")) {
                header = header.substring(1);
            }
            String[] names = header.split(",", -1);
            Set<String> seen = new HashSet<>();
            for (int c = 0; c < names.length; c++) {
                names[c] = names[c].strip();
                if (!seen.add(names[c])) {
                    throw new IOException(
                            file + ":1: column name '" + names[c] + "' appears twice");
                }
            }
            int label = Arrays.asList(names).indexOf(labelColumn);
            if (label < 0) {
                throw new IOException(
                        file
                                + ":1: no column named '"
                                + labelColumn
                                + "' in the header "
                                + Arrays.toString(names));
            }
            int features = names.length - 1;
            if (features < 1) {
                throw new IOException(
                        file + ":1: no feature columns besides '" + labelColumn + "'");
            }
            Rows rows = new Rows(file, features);
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
                                    + (cells.length == 1 ? " cell" : " cells")
                                    + ", the header has "
                                    + names.length
                                    + " columns");
                }
                float[] row = new float[features];
                int f = 0;
                int y = -1;
                for (int c = 0; c < cells.length; c++) {
                    String where = file + ":" + lineNumber + ": column '" + names[c] + "'";
                    if (c == label) {
                        y = parseLabel(cells[c].strip(), numClasses, where);
                    } else {
                        row[f++] = parseFeature(cells[c].strip(), where);
                    }
                }
                rows.add(row, y);
            }
            if (rows.size == 0) {
                throw new IOException(file + ": a header but no data rows");
            }
            return new LabeledData(
                    Arrays.copyOf(rows.values, rows.size * features),
                    Arrays.copyOf(rows.labels, rows.size),
                    new int[] {features},
                    numClasses);
        }
    }

    private static int parseLabel(String cell, int numClasses, String where) throws IOException {
        int y;
        try {
            y = Integer.parseInt(cell);
        } catch (NumberFormatException e) {
            throw new IOException(where + ": label '" + cell + "' is not an integer");
        }
        if (y < 0 || y >= numClasses) {
            throw new IOException(where + ": label " + y + " is outside [0, " + numClasses + ")");
        }
        return y;
    }

    private static float parseFeature(String cell, String where) throws IOException {
        if (NON_FINITE.contains(cell.toLowerCase(Locale.ROOT))) {
            throw new IOException(where + ": value '" + cell + "' is not finite");
        }
        if (!DECIMAL.matcher(cell).matches()) {
            throw new IOException(where + ": value '" + cell + "' is not a decimal number");
        }
        float v = Float.parseFloat(cell);
        if (!Float.isFinite(v)) {
            throw new IOException(where + ": value '" + cell + "' overflows a float");
        }
        return v;
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

    /** Rows appended to growing primitive arrays (no boxing for large files). */
    private static final class Rows {
        private final Path file;
        private final int width;
        private float[] values;
        private int[] labels = new int[8];
        private int size;

        Rows(Path file, int width) {
            this.file = file;
            this.width = width;
            this.values = new float[8 * width];
        }

        void add(float[] row, int label) throws IOException {
            if (size == labels.length) {
                if ((long) size * 2 * width > Integer.MAX_VALUE - 8) {
                    throw new IOException(
                            file + ": more than " + size + " rows do not fit one array");
                }
                labels = Arrays.copyOf(labels, size * 2);
                values = Arrays.copyOf(values, size * 2 * width);
            }
            System.arraycopy(row, 0, values, size * width, width);
            labels[size++] = label;
        }
    }
}
