package dev.sluice.neo.internal;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Fixes graph input shapes to SageMaker's {@code DataInputConfig}: every given input gets its concrete shape, and a
 * symbolic dimension ({@code batch_size}, {@code sequence_length}) fixed through one input is fixed wherever else it
 * appears (other inputs, outputs, value infos), so ONNX Runtime's shape inference and constant folding see static
 * shapes. The compiled model then accepts exactly these shapes.
 */
public final class ShapeSpecialisation {
    private ShapeSpecialisation() {
    }

    public record Result(ModelProto model, String detail) {
    }

    /**
     * @throws IllegalArgumentException for a name that is not a graph input, a rank or fixed dimension that disagrees
     *                                  with the model, or one symbolic dimension given two values
     */
    public static Result apply(ModelProto model, Map<String, long[]> shapes) {
        if (shapes.isEmpty()) {
            return new Result(model, "no input shapes given: dynamic shapes kept");
        }
        GraphProto graph = model.getGraph();
        Set<String> initializers = new HashSet<>();
        graph.getInitializerList().forEach(t -> initializers.add(t.getName()));
        Map<String, ValueInfoProto> inputs = new LinkedHashMap<>();
        for (ValueInfoProto input : graph.getInputList()) {
            if (!initializers.contains(input.getName())) {
                inputs.put(input.getName(), input);
            }
        }
        Map<String, Long> symbols = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            ValueInfoProto input = inputs.get(e.getKey());
            if (input == null) {
                throw new IllegalArgumentException("input shapes name '" + e.getKey() + "', which is not an input of the"
                        + " model; its inputs are " + inputs.keySet());
            }
            long[] given = e.getValue();
            if (!input.getType().hasTensorType()) {
                throw new IllegalArgumentException("input '" + e.getKey() + "' is not a tensor; its shape cannot be set");
            }
            TypeProto.Tensor tensor = input.getType().getTensorType();
            if (tensor.hasShape()) {
                List<TensorShapeProto.Dimension> dims = tensor.getShape().getDimList();
                if (dims.size() != given.length) {
                    throw new IllegalArgumentException("input shape for '" + e.getKey() + "' " + Arrays.toString(given)
                            + " has rank " + given.length + " but the model's input has rank " + dims.size() + " "
                            + describe(dims));
                }
                for (int i = 0; i < given.length; i++) {
                    TensorShapeProto.Dimension d = dims.get(i);
                    if (d.hasDimValue() && d.getDimValue() > 0 && d.getDimValue() != given[i]) {
                        throw new IllegalArgumentException("input shape for '" + e.getKey() + "' " + Arrays.toString(given)
                                + ": dimension " + i + " is fixed to " + d.getDimValue() + " in the model "
                                + describe(dims));
                    }
                    if (d.hasDimParam() && !d.getDimParam().isEmpty()) {
                        Long previous = symbols.putIfAbsent(d.getDimParam(), given[i]);
                        if (previous != null && previous != given[i]) {
                            throw new IllegalArgumentException("input shapes give dimension '" + d.getDimParam()
                                    + "' two values, " + previous + " and " + given[i] + " (input '" + e.getKey() + "')");
                        }
                    }
                }
            }
        }
        GraphProto.Builder builder = graph.toBuilder();
        for (int i = 0; i < builder.getInputCount(); i++) {
            ValueInfoProto input = builder.getInput(i);
            long[] given = shapes.get(input.getName());
            builder.setInput(i, given != null ? withShape(input, given) : substitute(input, symbols));
        }
        for (int i = 0; i < builder.getOutputCount(); i++) {
            builder.setOutput(i, substitute(builder.getOutput(i), symbols));
        }
        for (int i = 0; i < builder.getValueInfoCount(); i++) {
            builder.setValueInfo(i, substitute(builder.getValueInfo(i), symbols));
        }
        List<String> parts = new ArrayList<>();
        shapes.forEach((name, dims) -> parts.add(name + Arrays.toString(dims)));
        return new Result(model.toBuilder().setGraph(builder).build(), String.join(", ", parts)
                + (symbols.isEmpty() ? "" : "; symbolic dims fixed: " + symbols));
    }

    private static String describe(List<TensorShapeProto.Dimension> dims) {
        List<String> parts = new ArrayList<>();
        for (TensorShapeProto.Dimension d : dims) {
            parts.add(d.hasDimValue() ? String.valueOf(d.getDimValue())
                    : d.hasDimParam() && !d.getDimParam().isEmpty() ? d.getDimParam() : "?");
        }
        return "[" + String.join(", ", parts) + "]";
    }

    private static ValueInfoProto withShape(ValueInfoProto value, long[] dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        TypeProto.Tensor.Builder tensor = value.getType().getTensorType().toBuilder().setShape(shape);
        if (tensor.getElemType() == 0) {
            tensor.setElemType(TensorProto.DataType.FLOAT.getNumber());
        }
        return value.toBuilder().setType(value.getType().toBuilder().setTensorType(tensor)).build();
    }

    private static ValueInfoProto substitute(ValueInfoProto value, Map<String, Long> symbols) {
        if (symbols.isEmpty() || !value.getType().hasTensorType() || !value.getType().getTensorType().hasShape()) {
            return value;
        }
        TensorShapeProto shape = value.getType().getTensorType().getShape();
        TensorShapeProto.Builder replaced = shape.toBuilder();
        boolean changed = false;
        for (int i = 0; i < shape.getDimCount(); i++) {
            TensorShapeProto.Dimension d = shape.getDim(i);
            if (d.hasDimParam() && symbols.containsKey(d.getDimParam())) {
                replaced.setDim(i, TensorShapeProto.Dimension.newBuilder().setDimValue(symbols.get(d.getDimParam())));
                changed = true;
            }
        }
        if (!changed) {
            return value;
        }
        return value.toBuilder().setType(value.getType().toBuilder().setTensorType(
                value.getType().getTensorType().toBuilder().setShape(replaced))).build();
    }
}
