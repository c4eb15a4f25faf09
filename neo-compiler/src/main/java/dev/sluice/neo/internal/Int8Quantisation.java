package dev.sluice.neo.internal;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * int8 dynamic quantisation of constant weights, written as ONNX Runtime's {@code com.microsoft.DynamicQuantizeMatMul}:
 * the float activation is quantised to uint8 per tensor at run time, the weight is stored as int8, and one fused CPU
 * kernel (MLAS u8s8 GEMM, VNNI where present) multiplies and rescales to float.
 *
 * <ul>
 *   <li>Weights: symmetric per output channel ({@code scale[n] = max|W[:,n]| / 127}, zero point 0). Per-channel costs
 *       nothing at run time (MLAS applies a scale vector in its output stage) and keeps columns with small weights from
 *       being rounded away by one large column, which per-tensor quantisation does.</li>
 *   <li>{@code MatMul(A, W)} with a constant 2-D {@code W}, and {@code Gemm(A, B, C)} with constant {@code B}
 *       ({@code transB} transposed offline, {@code alpha} folded into the scales, {@code beta·C} into the bias).</li>
 *   <li>A following {@code Add} of a constant vector of N elements becomes the kernel's bias input.</li>
 *   <li>MatMuls reading the same activation (attention's Q, K and V projections) are merged into one wider GEMM and a
 *       {@code Split}: the activation is quantised once and one large GEMM runs instead of three small ones.
 *       Per-channel scales make the merged result identical to three separate ones.</li>
 * </ul>
 * Weights below {@link #MIN_WEIGHT_ELEMENTS} elements stay float: quantising the activation costs more than the
 * smaller GEMM saves. Large embedding tables read by a {@code Gather} are stored as int8 per row as well (see
 * {@link #embeddingTables}).
 */
public final class Int8Quantisation {
    public static final int MIN_WEIGHT_ELEMENTS = 256;
    /** Embedding tables below this stay float: too small for their size to matter. */
    public static final int MIN_TABLE_ELEMENTS = 1 << 16;
    static final String OP = "DynamicQuantizeMatMul";

    private Int8Quantisation() {
    }

    public record Result(ModelProto model, int quantised, int mergedGroups, int biasesFolded, long weightBytesBefore,
                         long weightBytesAfter, String detail) {
    }

    /** One weight product to quantise: its activation, weight [K, N] and optional bias, and the value it defines. */
    private record Job(int nodeIndex, String activation, float[] weight, int k, int n, float[] bias, String output,
                       int foldedAdd, String weightName) {
    }

    public static Result apply(ModelProto model) {
        return apply(model, true);
    }

    /** @param mergeSharedInputs whether MatMuls that read the same activation are merged (benchmarks turn it off) */
    public static Result apply(ModelProto model, boolean mergeSharedInputs) {
        GraphProto graph = model.getGraph();
        List<NodeProto> nodes = graph.getNodeList();
        Map<String, TensorProto> initializers = new HashMap<>();
        graph.getInitializerList().forEach(t -> initializers.put(t.getName(), t));
        Map<String, List<Integer>> consumers = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String in : nodes.get(i).getInputList()) {
                consumers.computeIfAbsent(in, x -> new ArrayList<>()).add(i);
            }
            for (String read : Onnx.subgraphReads(nodes.get(i))) {
                consumers.computeIfAbsent(read, x -> new ArrayList<>()).add(-1);
            }
        }
        Set<String> graphOutputs = new HashSet<>();
        graph.getOutputList().forEach(o -> graphOutputs.add(o.getName()));

        List<Job> jobs = new ArrayList<>();
        Set<Integer> foldedAdds = new HashSet<>();
        long before = 0;
        Set<String> countedWeights = new HashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto node = nodes.get(i);
            if (!node.getDomain().isEmpty() && !node.getDomain().equals("ai.onnx")) {
                continue;
            }
            Job job = switch (node.getOpType()) {
                case "MatMul" -> matMul(i, node, initializers, consumers, graphOutputs, nodes);
                case "Gemm" -> gemm(i, node, initializers);
                default -> null;
            };
            if (job != null) {
                jobs.add(job);
                if (job.foldedAdd() >= 0) {
                    foldedAdds.add(job.foldedAdd());
                }
                if (countedWeights.add(job.weightName())) {
                    before += (long) job.k() * job.n() * 4;
                }
            }
        }
        List<Integer> tables = embeddingTables(nodes, initializers, consumers);
        if (jobs.isEmpty() && tables.isEmpty()) {
            return new Result(model, 0, 0, 0, 0, 0, "no constant MatMul/Gemm weights of " + MIN_WEIGHT_ELEMENTS
                    + "+ elements: nothing quantised");
        }

        // Group by activation (in graph order) so shared inputs can become one GEMM.
        Map<String, List<Job>> byActivation = new LinkedHashMap<>();
        for (Job job : jobs) {
            byActivation.computeIfAbsent(job.activation(), a -> new ArrayList<>()).add(job);
        }
        boolean splitAvailable = Onnx.opset(model, Onnx.DEFAULT_DOMAIN) >= 11;
        Map<Integer, List<NodeProto>> replacements = new HashMap<>();
        Set<Integer> removed = new HashSet<>(foldedAdds);
        List<TensorProto> newInitializers = new ArrayList<>();
        long after = 0;
        int merged = 0;
        int counter = 0;
        for (List<Job> group : byActivation.values()) {
            List<List<Job>> units = new ArrayList<>();
            if (mergeSharedInputs && splitAvailable && group.size() > 1 && sameK(group)) {
                units.add(group);
            } else {
                group.forEach(j -> units.add(List.of(j)));
            }
            for (List<Job> unit : units) {
                String prefix = "sluice_q" + (counter++) + "_";
                Job first = unit.get(0);
                int k = first.k();
                int n = 0;
                boolean anyBias = false;
                for (Job j : unit) {
                    n += j.n();
                    anyBias |= j.bias() != null;
                }
                float[] weight = new float[k * n];
                float[] bias = anyBias ? new float[n] : null;
                int column = 0;
                for (Job j : unit) {
                    for (int r = 0; r < k; r++) {
                        System.arraycopy(j.weight(), r * j.n(), weight, r * n + column, j.n());
                    }
                    if (j.bias() != null) {
                        System.arraycopy(j.bias(), 0, bias, column, j.n());
                    }
                    column += j.n();
                }
                Quantised q = quantise(weight, k, n);
                newInitializers.add(Onnx.int8Tensor(prefix + "W", q.values(), k, n));
                newInitializers.add(Onnx.floatTensor(prefix + "scale", q.scales(), n));
                after += (long) k * n + 4L * n;
                List<String> inputs = new ArrayList<>(List.of(first.activation(), prefix + "W", prefix + "scale", ""));
                if (bias != null) {
                    newInitializers.add(Onnx.floatTensor(prefix + "bias", bias, n));
                    inputs.add(prefix + "bias");
                } else {
                    inputs.remove(3);
                }
                List<NodeProto> emitted = new ArrayList<>();
                if (unit.size() == 1) {
                    emitted.add(Onnx.node(OP, prefix + OP, inputs, List.of(first.output()))
                            .setDomain(Onnx.MICROSOFT_DOMAIN).build());
                } else {
                    merged++;
                    String wide = prefix + "merged";
                    emitted.add(Onnx.node(OP, prefix + OP, inputs, List.of(wide)).setDomain(Onnx.MICROSOFT_DOMAIN)
                            .build());
                    long[] sizes = unit.stream().mapToLong(Job::n).toArray();
                    List<String> outs = unit.stream().map(Job::output).toList();
                    NodeProto.Builder split = Onnx.node("Split", prefix + "Split", List.of(wide), outs)
                            .addAttribute(Onnx.intAttribute("axis", -1));
                    if (Onnx.opset(model, Onnx.DEFAULT_DOMAIN) >= 13) {
                        newInitializers.add(Onnx.int64Tensor(prefix + "split", sizes, sizes.length));
                        split.addInput(prefix + "split");
                    } else {
                        split.addAttribute(Onnx.intsAttribute("split", sizes));
                    }
                    emitted.add(split.build());
                }
                // The merged node takes the place of the earliest product, where its activation already exists.
                int at = unit.stream().mapToInt(Job::nodeIndex).min().orElseThrow();
                replacements.put(at, emitted);
                unit.forEach(j -> removed.add(j.nodeIndex()));
            }
        }

        long tableBefore = 0;
        long tableAfter = 0;
        for (int index : tables) {
            NodeProto gather = nodes.get(index);
            TensorProto table = initializers.get(gather.getInput(0));
            int rows = (int) table.getDims(0);
            int width = (int) table.getDims(1);
            String prefix = "sluice_e" + (counter++) + "_";
            Quantised q = quantiseRows(Onnx.floats(table), rows, width);
            newInitializers.add(Onnx.int8Tensor(prefix + "table", q.values(), rows, width));
            newInitializers.add(Onnx.floatTensor(prefix + "scale", q.scales(), rows, 1));
            String ids = gather.getInput(1);
            String out = gather.getOutput(0);
            replacements.put(index, List.of(
                    Onnx.node("Gather", prefix + "Gather", List.of(prefix + "table", ids), List.of(prefix + "q"))
                            .addAttribute(Onnx.intAttribute("axis", 0)).build(),
                    Onnx.node("Gather", prefix + "GatherScale", List.of(prefix + "scale", ids), List.of(prefix + "s"))
                            .addAttribute(Onnx.intAttribute("axis", 0)).build(),
                    Onnx.node("Cast", prefix + "Cast", List.of(prefix + "q"), List.of(prefix + "qf"))
                            .addAttribute(Onnx.intAttribute("to", TensorProto.DataType.FLOAT_VALUE)).build(),
                    Onnx.node("Mul", prefix + "Dequantise", List.of(prefix + "qf", prefix + "s"), List.of(out))
                            .build()));
            tableBefore += 4L * rows * width;
            tableAfter += (long) rows * width + 4L * rows;
        }

        GraphProto.Builder builder = graph.toBuilder().clearNode();
        for (int i = 0; i < nodes.size(); i++) {
            List<NodeProto> emitted = replacements.get(i);
            if (emitted != null) {
                builder.addAllNode(emitted);
            } else if (!removed.contains(i)) {
                builder.addNode(nodes.get(i));
            }
        }
        builder.addAllInitializer(newInitializers);
        ModelProto quantised = Onnx.withOpset(model.toBuilder().setGraph(builder).build(), Onnx.MICROSOFT_DOMAIN, 1);
        // The float weights are now unread; dead-code elimination drops them.
        ModelProto cleaned = DeadCodeElimination.apply(quantised).model();
        String detail = jobs.size() + " MatMul/Gemm → " + OP + " (int8 per-channel weights, uint8 dynamic activations)"
                + (merged > 0 ? ", " + merged + " group(s) sharing an input merged into one GEMM" : "")
                + (foldedAdds.isEmpty() ? "" : ", " + foldedAdds.size() + " bias Add(s) folded")
                + ", weights " + size(before) + " → " + size(after)
                + (tables.isEmpty() ? "" : "; " + tables.size() + " embedding table(s) → int8 per row, "
                + size(tableBefore) + " → " + size(tableAfter));
        return new Result(cleaned, jobs.size(), merged, foldedAdds.size(), before + tableBefore, after + tableAfter,
                detail);
    }

    /**
     * Gathers from a large constant [rows, width] float table that nothing else reads (word embeddings): stored as
     * int8 with a scale per row, gathered, and rescaled after the gather, which touches only the rows looked up. The
     * table is most of a small transformer's file (MiniLM: 47 of 90 MB).
     */
    private static List<Integer> embeddingTables(List<NodeProto> nodes, Map<String, TensorProto> initializers,
                                                 Map<String, List<Integer>> consumers) {
        List<Integer> tables = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            if (!n.getOpType().equals("Gather") || !(n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx"))
                    || n.getInputCount() != 2 || Onnx.intAttribute(n, "axis", 0) != 0) {
                continue;
            }
            TensorProto table = initializers.get(n.getInput(0));
            if (table == null || table.getDataType() != TensorProto.DataType.FLOAT_VALUE || table.getDimsCount() != 2
                    || Onnx.elements(table) < MIN_TABLE_ELEMENTS || Onnx.elements(table) >= Integer.MAX_VALUE
                    || consumers.getOrDefault(n.getInput(0), List.of()).size() != 1) {
                continue;
            }
            tables.add(i);
        }
        return tables;
    }

    /** Symmetric per-row int8 of a row-major [rows, width] matrix. */
    static Quantised quantiseRows(float[] table, int rows, int width) {
        float[] scales = new float[rows];
        byte[] q = new byte[rows * width];
        for (int r = 0; r < rows; r++) {
            float max = 0;
            for (int c = 0; c < width; c++) {
                max = Math.max(max, Math.abs(table[r * width + c]));
            }
            scales[r] = max == 0 || !Float.isFinite(max) ? 1f : max / 127f;
            for (int c = 0; c < width; c++) {
                long v = Math.round(table[r * width + c] / scales[r]);
                q[r * width + c] = (byte) Math.max(-127, Math.min(127, v));
            }
        }
        return new Quantised(q, scales);
    }

    static String size(long bytes) {
        return bytes >= 1_000_000 ? String.format(Locale.ROOT, "%.1f MB", bytes / 1e6)
                : String.format(Locale.ROOT, "%.1f kB", bytes / 1e3);
    }

    private static boolean sameK(List<Job> group) {
        return group.stream().mapToInt(Job::k).distinct().count() == 1;
    }

    private static Job matMul(int index, NodeProto node, Map<String, TensorProto> initializers,
                              Map<String, List<Integer>> consumers, Set<String> graphOutputs, List<NodeProto> nodes) {
        if (node.getInputCount() != 2 || initializers.containsKey(node.getInput(0))) {
            return null;
        }
        TensorProto w = initializers.get(node.getInput(1));
        if (!quantisable(w)) {
            return null;
        }
        int k = (int) w.getDims(0);
        int n = (int) w.getDims(1);
        String output = node.getOutput(0);
        float[] bias = null;
        int folded = -1;
        List<Integer> readers = consumers.getOrDefault(output, List.of());
        if (readers.size() == 1 && readers.get(0) >= 0 && !graphOutputs.contains(output)) {
            NodeProto add = nodes.get(readers.get(0));
            if (add.getOpType().equals("Add") && add.getDomain().isEmpty() && add.getInputCount() == 2) {
                String other = add.getInput(0).equals(output) ? add.getInput(1) : add.getInput(0);
                TensorProto b = initializers.get(other);
                if (b != null && b.getDataType() == TensorProto.DataType.FLOAT.getNumber() && b.getDimsCount() == 1
                        && b.getDims(0) == n && !other.equals(output)) {
                    bias = Onnx.floats(b);
                    folded = readers.get(0);
                    output = add.getOutput(0);
                }
            }
        }
        return new Job(index, node.getInput(0), Onnx.floats(w), k, n, bias, output, folded, w.getName());
    }

    private static Job gemm(int index, NodeProto node, Map<String, TensorProto> initializers) {
        if (node.getInputCount() < 2 || initializers.containsKey(node.getInput(0))
                || Onnx.intAttribute(node, "transA", 0) != 0) {
            return null;
        }
        TensorProto b = initializers.get(node.getInput(1));
        if (!quantisable(b)) {
            return null;
        }
        boolean transB = Onnx.intAttribute(node, "transB", 0) != 0;
        float alpha = Onnx.floatAttribute(node, "alpha", 1f);
        float beta = Onnx.floatAttribute(node, "beta", 1f);
        float[] stored = Onnx.floats(b);
        int rows = (int) b.getDims(0);
        int cols = (int) b.getDims(1);
        int k = transB ? cols : rows;
        int n = transB ? rows : cols;
        float[] weight = new float[k * n];
        for (int r = 0; r < k; r++) {
            for (int c = 0; c < n; c++) {
                weight[r * n + c] = alpha * (transB ? stored[c * cols + r] : stored[r * cols + c]);
            }
        }
        float[] bias = null;
        if (node.getInputCount() > 2 && !node.getInput(2).isEmpty()) {
            TensorProto c = initializers.get(node.getInput(2));
            // Only a per-column bias folds; a full [M, N] C (rare) keeps the Gemm in float.
            if (c == null || c.getDataType() != TensorProto.DataType.FLOAT.getNumber() || Onnx.elements(c) != n
                    || (c.getDimsCount() == 2 && c.getDims(0) != 1) || c.getDimsCount() > 2) {
                return null;
            }
            float[] values = Onnx.floats(c);
            bias = new float[n];
            for (int i = 0; i < n; i++) {
                bias[i] = beta * values[i];
            }
        }
        return new Job(index, node.getInput(0), weight, k, n, bias, node.getOutput(0), -1, b.getName());
    }

    private static boolean quantisable(TensorProto w) {
        return w != null && w.getDataType() == TensorProto.DataType.FLOAT.getNumber() && w.getDimsCount() == 2
                && w.getDims(0) > 0 && w.getDims(1) > 0 && w.getDims(0) * w.getDims(1) >= MIN_WEIGHT_ELEMENTS
                && w.getDims(0) * w.getDims(1) < Integer.MAX_VALUE;
    }

    record Quantised(byte[] values, float[] scales) {
    }

    /** Symmetric per-column int8 of a row-major [k, n] matrix. */
    static Quantised quantise(float[] weight, int k, int n) {
        float[] scales = new float[n];
        for (int r = 0; r < k; r++) {
            for (int c = 0; c < n; c++) {
                scales[c] = Math.max(scales[c], Math.abs(weight[r * n + c]));
            }
        }
        for (int c = 0; c < n; c++) {
            scales[c] = scales[c] == 0 || !Float.isFinite(scales[c]) ? 1f : scales[c] / 127f;
        }
        byte[] q = new byte[k * n];
        for (int r = 0; r < k; r++) {
            for (int c = 0; c < n; c++) {
                long v = Math.round(weight[r * n + c] / scales[c]);
                q[r * n + c] = (byte) Math.max(-127, Math.min(127, v));
            }
        }
        return new Quantised(q, scales);
    }
}
