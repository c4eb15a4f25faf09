package dev.sluice.neo.internal;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Removes nodes no graph output depends on, then initializers (and value infos) nothing reads any more. Names read
 * inside subgraphs (If/Loop/Scan bodies) count as reads. Graph inputs stay: they are the model's interface, even when
 * unused, so callers' requests keep working.
 */
public final class DeadCodeElimination {
    private DeadCodeElimination() {
    }

    public record Result(ModelProto model, int nodesRemoved, int initializersRemoved, String detail) {
    }

    public static Result apply(ModelProto model) {
        GraphProto graph = model.getGraph();
        Map<String, Integer> producer = new HashMap<>();
        List<NodeProto> nodes = graph.getNodeList();
        for (int i = 0; i < nodes.size(); i++) {
            for (String out : nodes.get(i).getOutputList()) {
                if (!out.isEmpty()) {
                    producer.put(out, i);
                }
            }
        }
        boolean[] live = new boolean[nodes.size()];
        Deque<String> needed = new ArrayDeque<>();
        graph.getOutputList().forEach(o -> needed.add(o.getName()));
        Set<String> seen = new HashSet<>();
        while (!needed.isEmpty()) {
            String name = needed.pop();
            if (!seen.add(name)) {
                continue;
            }
            Integer p = producer.get(name);
            if (p == null || live[p]) {
                continue;
            }
            live[p] = true;
            NodeProto node = nodes.get(p);
            node.getInputList().forEach(in -> {
                if (!in.isEmpty()) {
                    needed.add(in);
                }
            });
            needed.addAll(Onnx.subgraphReads(node));
        }
        GraphProto.Builder builder = graph.toBuilder().clearNode();
        Set<String> read = new HashSet<>();
        graph.getOutputList().forEach(o -> read.add(o.getName()));
        int nodesRemoved = 0;
        for (int i = 0; i < nodes.size(); i++) {
            if (live[i]) {
                builder.addNode(nodes.get(i));
                read.addAll(nodes.get(i).getInputList());
                read.addAll(Onnx.subgraphReads(nodes.get(i)));
            } else {
                nodesRemoved++;
            }
        }
        builder.clearInitializer();
        Set<String> removedInitializers = new HashSet<>();
        for (TensorProto t : graph.getInitializerList()) {
            if (read.contains(t.getName())) {
                builder.addInitializer(t);
            } else {
                removedInitializers.add(t.getName());
            }
        }
        // IR < 4 lists every initializer as a graph input too; such an input goes with its initializer.
        builder.clearInput();
        for (ValueInfoProto input : graph.getInputList()) {
            if (!removedInitializers.contains(input.getName())) {
                builder.addInput(input);
            }
        }
        Set<String> produced = new HashSet<>();
        builder.getNodeList().forEach(n -> produced.addAll(n.getOutputList()));
        builder.clearValueInfo();
        for (ValueInfoProto v : graph.getValueInfoList()) {
            if (produced.contains(v.getName())) {
                builder.addValueInfo(v);
            }
        }
        return new Result(model.toBuilder().setGraph(builder).build(), nodesRemoved, removedInitializers.size(),
                nodesRemoved + " unused node(s) and " + removedInitializers.size() + " unused initializer(s) removed");
    }
}
