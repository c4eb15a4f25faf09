package dev.sluice.neo.internal;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.sluice.neo.CompileReport;
import dev.sluice.neo.Tolerance;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Runs the original and the compiled model on the same sample inputs and compares every output.
 *
 * <p>Float outputs: max absolute error, mean relative error (Σ|a − b| / Σ|a|), and for vector outputs (last axis of
 * 2+ elements) the cosine similarity of each vector, gated on its mean. Outputs that look like class scores (named
 * logits/probabilities/scores/..., produced by Softmax/Sigmoid, or [batch, ≤32]) also get top-1 agreement gated.
 * Integer outputs (labels) must agree exactly in at least the top-1 fraction. A NaN or infinity the original does not
 * have always fails.
 */
public final class AccuracyGate {
    static final Pattern CLASSIFICATION_NAME = Pattern.compile("(?i).*(logit|prob|score|class|label|pred).*");
    static final int SMALL_CLASS_COUNT = 32;

    private AccuracyGate() {
    }

    /** Per-output running totals. */
    private static final class Totals {
        final String kind;
        long elements;
        double maxAbs;
        double sumAbsDiff;
        double sumAbs;
        double cosineSum;
        double cosineMin = Double.POSITIVE_INFINITY;
        long vectors;
        long top1Agree;
        long top1Count;
        boolean nonFinite;

        Totals(String kind) {
            this.kind = kind;
        }
    }

    /**
     * @param compiledLevel the optimisation level the artifact's manifest tells hosts to use
     */
    public static CompileReport.Accuracy run(byte[] original, byte[] compiled, String compiledLevel,
                                             List<Map<String, SampleInputs.Sample>> samples, Tolerance tolerance,
                                             Map<String, String> kinds, String ranOn, String samplesDescription,
                                             int threads) throws OrtException {
        Map<String, Totals> totals = new LinkedHashMap<>();
        try (OrtSession.SessionOptions referenceOptions = OrtSupport.options("all", threads);
             OrtSession.SessionOptions compiledOptions = OrtSupport.options(compiledLevel, threads);
             OrtSession reference = OrtSupport.env().createSession(original, referenceOptions);
             OrtSession candidate = OrtSupport.env().createSession(compiled, compiledOptions)) {
            for (Map<String, SampleInputs.Sample> batch : samples) {
                Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
                try {
                    for (SampleInputs.Sample s : batch.values()) {
                        inputs.put(s.name(), s.toOnnx(OrtSupport.env()));
                    }
                    try (OrtSession.Result a = reference.run(inputs); OrtSession.Result b = candidate.run(inputs)) {
                        for (String name : candidate.getOutputNames()) {
                            OnnxValue va = a.get(name).orElse(null);
                            OnnxValue vb = b.get(name).orElse(null);
                            if (!(va instanceof OnnxTensor ta) || !(vb instanceof OnnxTensor tb)) {
                                continue;
                            }
                            compare(totals.computeIfAbsent(name, n -> new Totals(kinds.getOrDefault(n, "values"))),
                                    ta, tb);
                        }
                    }
                } finally {
                    inputs.values().forEach(OnnxTensor::close);
                }
            }
        }
        List<CompileReport.OutputAccuracy> outputs = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, Totals> e : totals.entrySet()) {
            Totals t = e.getValue();
            List<String> violations = new ArrayList<>();
            boolean integer = t.kind.equals("integer");
            if (t.nonFinite) {
                violations.add("the compiled model produced NaN or infinity where the original did not");
            }
            if (!integer && t.maxAbs > tolerance.maxAbsoluteError()) {
                violations.add(String.format(Locale.ROOT, "max absolute error %.4g > %.4g", t.maxAbs,
                        tolerance.maxAbsoluteError()));
            }
            Double meanCos = t.vectors == 0 ? null : t.cosineSum / t.vectors;
            if (meanCos != null && (t.kind.equals("embedding") || t.kind.equals("classification"))
                    && meanCos < tolerance.minCosineSimilarity()) {
                violations.add(String.format(Locale.ROOT, "mean cosine similarity %.5f < %.5f", meanCos,
                        tolerance.minCosineSimilarity()));
            }
            Double top1 = t.top1Count == 0 ? null : t.top1Agree / (double) t.top1Count;
            if (top1 != null && (t.kind.equals("classification") || integer) && top1 < tolerance.minTop1Agreement()) {
                violations.add(String.format(Locale.ROOT, "%s %.2f%% < %.2f%%", integer ? "exact agreement"
                        : "top-1 agreement", 100 * top1, 100 * tolerance.minTop1Agreement()));
            }
            outputs.add(new CompileReport.OutputAccuracy(e.getKey(), t.kind, t.elements, t.maxAbs,
                    t.sumAbs == 0 ? (t.sumAbsDiff == 0 ? 0 : Double.POSITIVE_INFINITY) : t.sumAbsDiff / t.sumAbs,
                    meanCos, t.vectors == 0 ? null : t.cosineMin, top1, violations));
            violations.forEach(v -> failures.add("output '" + e.getKey() + "': " + v));
        }
        if (outputs.isEmpty()) {
            return new CompileReport.Accuracy("skipped", "no tensor output to compare", ranOn, samplesDescription,
                    tolerance, outputs);
        }
        return new CompileReport.Accuracy(failures.isEmpty() ? "passed" : "failed", String.join("; ", failures), ranOn,
                samplesDescription, tolerance, outputs);
    }

    private static void compare(Totals t, OnnxTensor a, OnnxTensor b) {
        TensorInfo info = a.getInfo();
        long[] shape = info.getShape();
        int last = shape.length == 0 ? 1 : (int) Math.max(1, shape[shape.length - 1]);
        if (t.kind.equals("integer")) {
            long[] x = longs(a);
            long[] y = longs(b);
            t.elements += x.length;
            for (int i = 0; i < Math.min(x.length, y.length); i++) {
                t.top1Agree += x[i] == y[i] ? 1 : 0;
                t.maxAbs = Math.max(t.maxAbs, Math.abs((double) x[i] - y[i]));
            }
            t.top1Count += x.length;
            return;
        }
        double[] x = doubles(a);
        double[] y = doubles(b);
        if (x == null || y == null || x.length != y.length) {
            t.nonFinite |= x != null && y != null;
            return;
        }
        t.elements += x.length;
        for (int i = 0; i < x.length; i++) {
            if (Double.isFinite(x[i]) && !Double.isFinite(y[i])) {
                t.nonFinite = true;
                continue;
            }
            if (!Double.isFinite(x[i])) {
                continue;
            }
            double d = Math.abs(x[i] - y[i]);
            t.maxAbs = Math.max(t.maxAbs, d);
            t.sumAbsDiff += d;
            t.sumAbs += Math.abs(x[i]);
        }
        if (t.kind.equals("values") || (last < 2 && shape.length > 0)) {
            return;
        }
        int vectorLength = shape.length == 0 ? x.length : last;
        for (int start = 0; start + vectorLength <= x.length; start += vectorLength) {
            double dot = 0;
            double nx = 0;
            double ny = 0;
            int argX = start;
            int argY = start;
            for (int i = start; i < start + vectorLength; i++) {
                dot += x[i] * y[i];
                nx += x[i] * x[i];
                ny += y[i] * y[i];
                argX = x[i] > x[argX] ? i : argX;
                argY = y[i] > y[argY] ? i : argY;
            }
            // Two zero vectors agree perfectly; one zero vector against another cannot be compared by angle.
            double cosine = nx == 0 && ny == 0 ? 1 : nx == 0 || ny == 0 ? 0 : dot / Math.sqrt(nx * ny);
            if (Double.isFinite(cosine)) {
                t.cosineSum += cosine;
                t.cosineMin = Math.min(t.cosineMin, cosine);
                t.vectors++;
            }
            t.top1Agree += argX == argY ? 1 : 0;
            t.top1Count++;
        }
    }

    private static double[] doubles(OnnxTensor t) {
        return switch (t.getInfo().type) {
            case FLOAT -> {
                FloatBuffer f = t.getFloatBuffer();
                double[] d = new double[f.remaining()];
                for (int i = 0; i < d.length; i++) {
                    d[i] = f.get(i);
                }
                yield d;
            }
            case DOUBLE -> {
                DoubleBuffer f = t.getDoubleBuffer();
                double[] d = new double[f.remaining()];
                f.get(d);
                yield d;
            }
            case FLOAT16 -> {
                ShortBuffer f = t.getShortBuffer();
                double[] d = new double[f.remaining()];
                for (int i = 0; i < d.length; i++) {
                    d[i] = Float16.toFloat(f.get(i));
                }
                yield d;
            }
            default -> null;
        };
    }

    private static long[] longs(OnnxTensor t) {
        return switch (t.getInfo().type) {
            case INT64 -> {
                LongBuffer b = t.getLongBuffer();
                long[] v = new long[b.remaining()];
                b.get(v);
                yield v;
            }
            case INT32 -> {
                IntBuffer b = t.getIntBuffer();
                long[] v = new long[b.remaining()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = b.get(i);
                }
                yield v;
            }
            case INT8, UINT8, BOOL -> {
                ByteBuffer b = t.getByteBuffer();
                long[] v = new long[b.remaining()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = b.get(i);
                }
                yield v;
            }
            default -> new long[0];
        };
    }

    /**
     * How each output of the original model is judged: {@code integer} for integer element types,
     * {@code classification} when its name, producer or shape says class scores, {@code embedding} for other vectors,
     * {@code values} for scalars and single numbers per row.
     */
    public static Map<String, String> outputKinds(ModelProto model) {
        Map<String, String> producer = new HashMap<>();
        for (NodeProto n : model.getGraph().getNodeList()) {
            for (String out : n.getOutputList()) {
                producer.put(out, n.getOpType());
            }
        }
        Map<String, String> kinds = new LinkedHashMap<>();
        for (ValueInfoProto out : model.getGraph().getOutputList()) {
            int type = out.getType().hasTensorType() ? out.getType().getTensorType().getElemType() : 0;
            boolean floating = type == 1 || type == 10 || type == 11 || type == 16;
            if (!floating) {
                kinds.put(out.getName(), "integer");
                continue;
            }
            List<TensorShapeProto.Dimension> dims = out.getType().getTensorType().getShape().getDimList();
            long last = dims.isEmpty() ? 0 : dims.get(dims.size() - 1).getDimValue();
            String op = producer.getOrDefault(out.getName(), "");
            boolean classLike = CLASSIFICATION_NAME.matcher(out.getName()).matches()
                    || op.equals("Softmax") || op.equals("LogSoftmax") || op.equals("Sigmoid")
                    || (dims.size() == 2 && last >= 2 && last <= SMALL_CLASS_COUNT);
            boolean shapeKnown = out.getType().getTensorType().hasShape();
            if (shapeKnown && (dims.size() <= 1 || last == 1)) {
                kinds.put(out.getName(), "values");
            } else if (classLike) {
                kinds.put(out.getName(), "classification");
            } else {
                kinds.put(out.getName(), "embedding");
            }
        }
        return kinds;
    }
}
