package dev.sluice.modelhost;

import dev.sluice.core.codec.DecodedPayload;
import dev.sluice.core.codec.EncodeContext;
import dev.sluice.core.codec.PayloadCodec;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorSpec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A minimal codec so host tests can drive pipelines end to end without depending on core's real codecs: one line per
 * row; a BYTES input takes each line as one text, an FP32 input each line as comma-separated numbers. Encodes every
 * output as lines of comma-separated numbers.
 */
final class LinesCodec implements PayloadCodec {
    static final String MEDIA_TYPE = "text/x-lines";

    @Override
    public List<String> mediaTypes() {
        return List.of(MEDIA_TYPE);
    }

    @Override
    public DecodedPayload decode(byte[] body, ModelSignature signature) {
        TensorSpec spec = signature.inputs().get(0);
        String[] lines = new String(body, StandardCharsets.UTF_8).split("\n");
        if (spec.type() == DataType.BYTES) {
            byte[][] texts = new byte[lines.length][];
            for (int i = 0; i < lines.length; i++) {
                texts[i] = lines[i].getBytes(StandardCharsets.UTF_8);
            }
            return new DecodedPayload(Map.of(spec.name(), Tensor.ofStrings(new long[] {lines.length}, texts)));
        }
        int width = lines[0].split(",").length;
        float[] values = new float[lines.length * width];
        for (int r = 0; r < lines.length; r++) {
            String[] cells = lines[r].split(",");
            for (int c = 0; c < width; c++) {
                values[r * width + c] = Float.parseFloat(cells[c].trim());
            }
        }
        return new DecodedPayload(Map.of(spec.name(), Tensor.ofFloats(new long[] {lines.length, width}, values)));
    }

    @Override
    public byte[] encode(Map<String, Tensor> outputs, EncodeContext context) {
        StringBuilder out = new StringBuilder();
        for (Tensor tensor : outputs.values()) {
            int row = tensor.rowSize();
            for (int r = 0; r < tensor.dim(0); r++) {
                StringJoiner line = new StringJoiner(",");
                for (int c = 0; c < row; c++) {
                    line.add(Double.toString(tensor.doubleAt(r * row + c)));
                }
                out.append(line).append('\n');
            }
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }
}
