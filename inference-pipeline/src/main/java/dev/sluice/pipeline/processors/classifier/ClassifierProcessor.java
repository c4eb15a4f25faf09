package dev.sluice.pipeline.processors.classifier;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.core.SluiceException;
import dev.sluice.core.codec.DecodedPayload;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorSpec;
import dev.sluice.pipeline.spi.ContainerProcessor;
import dev.sluice.pipeline.spi.EncodedPayload;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Scores to labels: reads a tensor of logits (or probabilities) of shape [N, C] — or [C] as one row — and produces
 * each row's label, its probability, every class's probability and the top K. Its {@link #encode} writes the
 * response as JSON (the default), JSON Lines or CSV, one record per row, so a tabular pipeline answers one line per
 * input record.
 *
 * <p>Thread-safe and allocation-bound: everything it holds is immutable, and {@link #process} touches only its
 * arguments.
 */
public final class ClassifierProcessor implements ContainerProcessor {
    public static final String LABEL = "label";
    public static final String PROBABILITY = "probability";
    public static final String PROBABILITIES = "probabilities";
    public static final String TOP_K_LABELS = "top_k_labels";
    public static final String TOP_K_PROBABILITIES = "top_k_probabilities";

    private static final JsonFactory JSON = new JsonFactory();

    /**
     * What the classifier does.
     *
     * @param input               the scores tensor to read
     * @param activation          how scores become probabilities
     * @param topK                how many classes to rank per row (capped at the class count)
     * @param labels              one label per class, or empty to name classes by their index
     * @param labelsSource        where the labels came from (for messages), null when there are none
     * @param outputProbabilities whether responses list every class's probability after the label and its probability
     */
    public record Settings(String input, Activation activation, int topK, List<String> labels, String labelsSource,
                           boolean outputProbabilities) {
        public static final String DEFAULT_INPUT = "logits";
        public static final int DEFAULT_TOP_K = 1;

        public Settings {
            Objects.requireNonNull(input, "input");
            Objects.requireNonNull(activation, "activation");
            if (topK < 1) {
                throw new IllegalArgumentException("topK must be at least 1, got " + topK);
            }
            labels = List.copyOf(labels);
        }

        public static Settings defaults() {
            return new Settings(DEFAULT_INPUT, Activation.SOFTMAX, DEFAULT_TOP_K, List.of(), null, false);
        }
    }

    private final String hostname;
    private final Settings settings;
    private final byte[][] labelBytes;
    private final ModelSignature signature;

    public ClassifierProcessor(String hostname, Settings settings) {
        this.hostname = Objects.requireNonNull(hostname, "hostname");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.labelBytes = settings.labels().stream().map(l -> l.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        long classes = settings.labels().isEmpty() ? -1 : settings.labels().size();
        long k = classes < 0 ? -1 : Math.min(settings.topK(), classes);
        // With labels the class count is known, so a runner can match it against the model's output at load time.
        this.signature = new ModelSignature(
                List.of(new TensorSpec(settings.input(), DataType.FP32, new long[] {-1, classes})),
                List.of(new TensorSpec(LABEL, DataType.BYTES, new long[] {-1}),
                        new TensorSpec(PROBABILITY, DataType.FP32, new long[] {-1}),
                        new TensorSpec(PROBABILITIES, DataType.FP32, new long[] {-1, classes}),
                        new TensorSpec(TOP_K_LABELS, DataType.BYTES, new long[] {-1, k}),
                        new TensorSpec(TOP_K_PROBABILITIES, DataType.FP32, new long[] {-1, k})));
    }

    public Settings settings() {
        return settings;
    }

    /**
     * The input is declared FP32 [-1, C] (what a client's JSON or CSV scores are decoded into), but {@link #process}
     * also takes FP16, FP64 and integer scores, and a rank-1 [C] tensor as one row.
     */
    @Override
    public ModelSignature signature() {
        return signature;
    }

    @Override
    public Map<String, Tensor> process(Map<String, Tensor> tensors) {
        Tensor scores = tensors.get(settings.input());
        if (scores == null) {
            throw new IllegalStateException("container '" + hostname + "': the classifier needs tensor '"
                    + settings.input() + "' (Environment." + ClassifierProvider.INPUT + ") but got only "
                    + tensors.keySet());
        }
        if (scores.type() == DataType.BYTES || scores.type() == DataType.BOOL || scores.rank() < 1 || scores.rank() > 2) {
            throw new IllegalStateException("container '" + hostname + "': the classifier needs numeric scores of "
                    + "shape [N, classes] or [classes] in '" + settings.input() + "' but got " + scores.type().v2Name()
                    + " " + Arrays.toString(scores.shape()));
        }
        int rows = scores.rank() == 1 ? 1 : (int) scores.dim(0);
        int classes = (int) scores.dim(scores.rank() - 1);
        if (classes == 0) {
            throw new IllegalStateException("container '" + hostname + "': '" + settings.input()
                    + "' has no classes (shape " + Arrays.toString(scores.shape()) + ")");
        }
        if (labelBytes.length > 0 && labelBytes.length != classes) {
            throw new IllegalStateException("container '" + hostname + "': " + labelBytes.length + " labels ("
                    + settings.labelsSource() + ") but '" + settings.input() + "' has " + classes
                    + " classes (shape " + Arrays.toString(scores.shape()) + "); give one label per class");
        }
        int k = Math.min(settings.topK(), classes);
        byte[][] label = new byte[rows][];
        float[] probability = new float[rows];
        float[] probabilities = new float[rows * classes];
        byte[][] topLabels = new byte[rows * k][];
        float[] topProbabilities = new float[rows * k];
        double[] row = new double[classes];
        double[] p = new double[classes];
        for (int r = 0; r < rows; r++) {
            readRow(scores, r, row, rows);
            switch (settings.activation()) {
                case SOFTMAX -> Scores.softmax(row, p);
                case SIGMOID -> Scores.sigmoid(row, p);
                case NONE -> System.arraycopy(row, 0, p, 0, classes);
            }
            for (int c = 0; c < classes; c++) {
                probabilities[r * classes + c] = (float) p[c];
            }
            int[] order = Scores.topK(p, k);
            for (int j = 0; j < k; j++) {
                topLabels[r * k + j] = labelOf(order[j]);
                topProbabilities[r * k + j] = (float) p[order[j]];
            }
            label[r] = topLabels[r * k];
            probability[r] = topProbabilities[r * k];
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put(LABEL, Tensor.ofStrings(new long[] {rows}, label));
        out.put(PROBABILITY, Tensor.ofFloats(new long[] {rows}, probability));
        out.put(PROBABILITIES, Tensor.ofFloats(new long[] {rows, classes}, probabilities));
        out.put(TOP_K_LABELS, Tensor.ofStrings(new long[] {rows, k}, topLabels));
        out.put(TOP_K_PROBABILITIES, Tensor.ofFloats(new long[] {rows, k}, topProbabilities));
        return out;
    }

    private void readRow(Tensor scores, int r, double[] row, int rows) {
        int classes = row.length;
        int base = r * classes;
        boolean fp32 = scores.type() == DataType.FP32;
        float[] floats = fp32 ? scores.floats() : null;
        for (int c = 0; c < classes; c++) {
            double v = fp32 ? floats[base + c] : scores.doubleAt(base + c);
            if (!Double.isFinite(v)) {
                // A model that overflows on some input is the client's to see: it names the record that caused it.
                throw SluiceException.validation("row " + (r + 1) + " of " + rows + ": '" + settings.input()
                        + "' holds " + (Double.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity")
                        + " for class " + className(c) + "; the classifier needs finite scores");
            }
            row[c] = v;
        }
    }

    private byte[] labelOf(int index) {
        return labelBytes.length > 0 ? labelBytes[index] : Integer.toString(index).getBytes(StandardCharsets.US_ASCII);
    }

    private String className(int index) {
        return labelBytes.length > 0 ? index + " ('" + settings.labels().get(index) + "')" : Integer.toString(index);
    }

    /**
     * Writes one record per row: JSON {@code [{"label", "probability", "top_k": [{"label", "probability"}, ...]}]}
     * (wrapped as {@code {"predictions": [...]}} when the request used {@code {"instances": [...]}}, as
     * {@link dev.sluice.core.codec.JsonCodec} does; an Open Inference Protocol v2 request gets the codecs' v2 body of
     * the output tensors instead), JSON Lines of the same records, or CSV rows {@code label,probability[,p0,p1,...]}.
     * With {@code OUTPUT_PROBABILITIES} JSON records also carry {@code "probabilities"}, in class order.
     */
    @Override
    public EncodedPayload encode(Map<String, Tensor> outputs, String accept, Map<String, String> hints) {
        ResponseFormat.Choice choice = ResponseFormat.negotiate(accept);
        String style = hints == null ? null : hints.get(DecodedPayload.HINT_STYLE);
        if (choice.format() == ResponseFormat.JSON && DecodedPayload.STYLE_V2.equals(style)) {
            return null;
        }
        Rows rows = Rows.of(outputs, settings.outputProbabilities(), hostname);
        byte[] body = switch (choice.format()) {
            case JSON -> json(rows, DecodedPayload.STYLE_INSTANCES.equals(style));
            case JSON_LINES -> jsonLines(rows);
            case CSV -> csv(rows);
        };
        return new EncodedPayload(body, choice.mediaType());
    }

    /** The output tensors {@link #encode} reads, checked once. */
    private record Rows(int count, byte[][] label, float[] probability, int k, byte[][] topLabels,
                        float[] topProbabilities, int classes, float[] probabilities) {

        static Rows of(Map<String, Tensor> outputs, boolean withProbabilities, String hostname) {
            Tensor label = require(outputs, LABEL, DataType.BYTES, 1, hostname);
            Tensor probability = require(outputs, PROBABILITY, DataType.FP32, 1, hostname);
            Tensor topLabels = require(outputs, TOP_K_LABELS, DataType.BYTES, 2, hostname);
            Tensor topProbabilities = require(outputs, TOP_K_PROBABILITIES, DataType.FP32, 2, hostname);
            Tensor probabilities = withProbabilities ? require(outputs, PROBABILITIES, DataType.FP32, 2, hostname) : null;
            int count = (int) label.dim(0);
            if (probability.dim(0) != count || topLabels.dim(0) != count || !Arrays.equals(topLabels.shape(),
                    topProbabilities.shape()) || probabilities != null && probabilities.dim(0) != count) {
                throw new IllegalStateException("container '" + hostname + "': the classifier's outputs disagree on "
                        + "their row count");
            }
            return new Rows(count, label.strings(), probability.floats(), (int) topLabels.dim(1), topLabels.strings(),
                    topProbabilities.floats(), probabilities == null ? 0 : (int) probabilities.dim(1),
                    probabilities == null ? null : probabilities.floats());
        }

        private static Tensor require(Map<String, Tensor> outputs, String name, DataType type, int rank,
                                      String hostname) {
            Tensor t = outputs.get(name);
            if (t == null || t.type() != type || t.rank() != rank) {
                throw new IllegalStateException("container '" + hostname + "': encoding needs the classifier's output '"
                        + name + "' (" + type.v2Name() + ", rank " + rank + ") but got " + t);
            }
            return t;
        }
    }

    private static byte[] json(Rows rows, boolean predictions) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + rows.count() * 96);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            if (predictions) {
                g.writeStartObject();
                g.writeFieldName("predictions");
            }
            g.writeStartArray();
            for (int r = 0; r < rows.count(); r++) {
                writeRecord(g, rows, r);
            }
            g.writeEndArray();
            if (predictions) {
                g.writeEndObject();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] jsonLines(Rows rows) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(rows.count() * 96);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.setRootValueSeparator(null);
            for (int r = 0; r < rows.count(); r++) {
                writeRecord(g, rows, r);
                g.writeRaw('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void writeRecord(JsonGenerator g, Rows rows, int r) throws IOException {
        g.writeStartObject();
        g.writeStringField(LABEL, text(rows.label()[r]));
        g.writeNumberField(PROBABILITY, rows.probability()[r]);
        g.writeArrayFieldStart("top_k");
        for (int j = 0; j < rows.k(); j++) {
            g.writeStartObject();
            g.writeStringField(LABEL, text(rows.topLabels()[r * rows.k() + j]));
            g.writeNumberField(PROBABILITY, rows.topProbabilities()[r * rows.k() + j]);
            g.writeEndObject();
        }
        g.writeEndArray();
        if (rows.probabilities() != null) {
            g.writeArrayFieldStart(PROBABILITIES);
            for (int c = 0; c < rows.classes(); c++) {
                g.writeNumber(rows.probabilities()[r * rows.classes() + c]);
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static byte[] csv(Rows rows) {
        StringBuilder sb = new StringBuilder(rows.count() * (24 + rows.classes() * 12));
        for (int r = 0; r < rows.count(); r++) {
            appendCsvText(sb, text(rows.label()[r]));
            sb.append(',').append(rows.probability()[r]);
            for (int c = 0; c < rows.classes(); c++) {
                sb.append(',').append(rows.probabilities()[r * rows.classes() + c]);
            }
            sb.append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** RFC 4180: quoted when it holds a delimiter or a quote, or when blanks at its edges would be trimmed away. */
    static void appendCsvText(StringBuilder sb, String s) {
        boolean quote = s.isEmpty() || Character.isWhitespace(s.charAt(0))
                || Character.isWhitespace(s.charAt(s.length() - 1)) || s.charAt(0) == '\uFEFF';
        for (int i = 0; i < s.length() && !quote; i++) {
            char c = s.charAt(i);
            quote = c == ',' || c == '"' || c == '\n' || c == '\r';
        }
        if (!quote) {
            sb.append(s);
            return;
        }
        sb.append('"').append(s.replace("\"", "\"\"")).append('"');
    }

    private static String text(byte[] utf8) {
        return new String(utf8, StandardCharsets.UTF_8);
    }
}
