package dev.sluice.core.codec.internal;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.codec.DecodedPayload;
import dev.sluice.core.codec.EncodeContext;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Which outputs an encoder writes, in which order, and how many rows they share. */
public final class Outputs {
    private Outputs() {
    }

    /**
     * The outputs to write: those the signature declares, in its order, then any others in the map's own order
     * (pipelines may add outputs of their own); only those named in {@link DecodedPayload#HINT_OUTPUTS} when the
     * client asked for specific ones.
     */
    public static Map<String, Tensor> select(Map<String, Tensor> outputs, EncodeContext context) {
        Set<String> wanted = requested(context);
        Map<String, Tensor> selected = new LinkedHashMap<>();
        for (TensorSpec spec : context.signature().outputs()) {
            Tensor t = outputs.get(spec.name());
            if (t != null && (wanted == null || wanted.contains(spec.name()))) {
                selected.put(spec.name(), t);
            }
        }
        for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
            if (!selected.containsKey(e.getKey()) && (wanted == null || wanted.contains(e.getKey()))) {
                selected.put(e.getKey(), e.getValue());
            }
        }
        return selected;
    }

    /** The output names the client asked for, in its order; null when it asked for all. */
    public static Set<String> requested(EncodeContext context) {
        String hint = context.hint(DecodedPayload.HINT_OUTPUTS);
        if (hint == null || hint.isBlank()) {
            return null;
        }
        Set<String> names = new LinkedHashSet<>();
        for (String name : hint.split(",")) {
            String trimmed = name.trim();
            if (!trimmed.isEmpty()) {
                names.add(trimmed);
            }
        }
        return names.isEmpty() ? null : names;
    }

    /**
     * The number of rows (first dimension) all outputs share, for formats that write one record per row. A rank-0
     * output counts as one row. Outputs that disagree cannot be written row by row: that is a 406, so the client
     * can ask for a form that keeps them apart ({@code advice} says which).
     */
    public static int commonRows(Map<String, Tensor> outputs, String format, String advice) {
        int rows = -1;
        List<String> seen = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
            Tensor t = e.getValue();
            int r = t.rank() == 0 ? 1 : (int) t.dim(0);
            if (rows >= 0 && r != rows) {
                throw new SluiceException(ErrorCode.NOT_ACCEPTABLE, "outputs " + seen + " have " + rows
                        + " rows but output '" + e.getKey() + "' has " + r + "; " + format
                        + " writes one record per row, so " + advice);
            }
            rows = r;
            seen.add(e.getKey());
        }
        return Math.max(rows, 0);
    }

    /** Elements per row; a rank-0 tensor is one row of one element. */
    public static int rowSize(Tensor t) {
        return t.rank() == 0 ? 1 : t.rowSize();
    }
}
