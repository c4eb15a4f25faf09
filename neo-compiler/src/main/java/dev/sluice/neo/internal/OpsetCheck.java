package dev.sluice.neo.internal;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import java.util.Set;
import java.util.TreeSet;

/**
 * Refuses models ONNX Runtime 1.29 cannot run as they are: an {@code ai.onnx} opset below 7 (ORT no longer guarantees
 * those; re-export the model) or above 26 (the newest ORT 1.29 accepts, found by loading one-node models of each
 * version), an IR version above {@link #MAX_IR_VERSION}, and operator domains ORT does not implement (custom ops).
 */
public final class OpsetCheck {
    public static final long MIN_OPSET = 7;
    public static final long MAX_OPSET = 26;
    public static final long MAX_IR_VERSION = 12;
    static final Set<String> KNOWN_DOMAINS = Set.of("", "ai.onnx", "ai.onnx.ml", "com.microsoft",
            "com.microsoft.nchwc", "com.microsoft.experimental", "ai.onnx.preview.training", "ai.onnx.training",
            "com.ms.internal.nhwc");

    private OpsetCheck() {
    }

    /** @return a one-line description for the report, e.g. "ai.onnx opset 11, IR version 6" */
    public static String check(ModelProto model) {
        long opset = Onnx.opset(model, Onnx.DEFAULT_DOMAIN);
        if (opset < 0) {
            throw new IllegalArgumentException("the model imports no ai.onnx opset; it is not a model ONNX Runtime can"
                    + " load");
        }
        if (opset < MIN_OPSET) {
            throw new IllegalArgumentException("the model uses ai.onnx opset " + opset + "; ONNX Runtime 1.29 supports"
                    + " opsets " + MIN_OPSET + " to " + MAX_OPSET + ": convert it to a newer opset first (for example"
                    + " with onnx.version_converter) and compile that");
        }
        if (opset > MAX_OPSET) {
            throw new IllegalArgumentException("the model uses ai.onnx opset " + opset + "; ONNX Runtime 1.29 supports"
                    + " opsets " + MIN_OPSET + " to " + MAX_OPSET + ": export it with opset " + MAX_OPSET + " or lower");
        }
        if (model.getIrVersion() > MAX_IR_VERSION) {
            throw new IllegalArgumentException("the model has IR version " + model.getIrVersion() + "; ONNX Runtime"
                    + " 1.29 reads IR versions up to " + MAX_IR_VERSION);
        }
        Set<String> unknown = new TreeSet<>();
        for (OperatorSetIdProto op : model.getOpsetImportList()) {
            if (!KNOWN_DOMAINS.contains(op.getDomain())) {
                unknown.add(op.getDomain());
            }
        }
        for (NodeProto node : model.getGraph().getNodeList()) {
            if (!KNOWN_DOMAINS.contains(node.getDomain())) {
                unknown.add(node.getDomain());
            }
        }
        // A domain imported but never used by a node is harmless; one a node uses is a custom operator.
        unknown.removeIf(d -> model.getGraph().getNodeList().stream().noneMatch(n -> n.getDomain().equals(d)));
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("the model uses operators from domain(s) " + unknown + " that ONNX Runtime"
                    + " 1.29 does not implement (custom operators are not supported by the compiler)");
        }
        return "ai.onnx opset " + opset + ", IR version " + model.getIrVersion();
    }
}
