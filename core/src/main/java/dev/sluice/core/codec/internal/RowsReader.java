package dev.sluice.core.codec.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.sluice.core.SluiceException;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorSpec;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Assembles input tensors from JSON rows, one entry along the first dimension per row: either the row value of
 * a single-input model, or an object {@code {"<inputName>": rowValue, ...}} that names every input. Shared by the
 * JSON {@code instances} form and JSON Lines.
 */
public final class RowsReader {
    private static final class Slot {
        final TensorSpec spec;
        final NestedArrayReader reader;
        long rows;

        Slot(TensorSpec spec, NestedArrayReader reader) {
            this.spec = spec;
            this.reader = reader;
        }
    }

    private final List<TensorSpec> inputs;
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private final String rowNoun;
    private long rows;

    /**
     * @param rowNoun what a row is called in error messages ("instance", "line")
     */
    public RowsReader(ModelSignature signature, JsonParser parser, String rowNoun) {
        this.inputs = signature.inputs();
        this.rowNoun = rowNoun;
        for (TensorSpec spec : inputs) {
            TensorBuffer buffer = TensorBuffer.growing(spec.type(), spec.name(), i -> JsonSupport.location(parser));
            slots.put(spec.name(), new Slot(spec, NestedArrayReader.forRows(buffer)));
        }
    }

    /**
     * Reads the row whose first token is the parser's current token.
     *
     * @param rowLabel the row as the client would find it ("instance 3", "line 7")
     */
    public void readRow(JsonParser p, String rowLabel) throws IOException {
        if (p.currentToken() == JsonToken.START_OBJECT) {
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String name = p.currentName();
                Slot slot = slots.get(name);
                if (slot == null) {
                    throw SluiceException.validation(rowLabel + " names input '" + TensorBuffer.abbreviate(name)
                            + "' but the model's inputs are " + names());
                }
                if (slot.rows > rows) {
                    throw SluiceException.validation(rowLabel + " gives input '" + name + "' twice");
                }
                p.nextToken();
                slot.reader.readValue(p);
                slot.rows++;
            }
            for (Slot slot : slots.values()) {
                if (slot.rows != rows + 1) {
                    throw SluiceException.validation(rowLabel + " is missing input '" + slot.spec.name()
                            + "'; each " + rowNoun + " must give all of " + names());
                }
            }
        } else {
            if (inputs.size() != 1) {
                throw SluiceException.validation(rowLabel + " is " + JsonSupport.describe(p) + ", but a model with "
                        + inputs.size() + " inputs needs an object naming each of " + names() + " per " + rowNoun);
            }
            Slot slot = slots.values().iterator().next();
            slot.reader.readValue(p);
            slot.rows++;
        }
        rows++;
    }

    public long rows() {
        return rows;
    }

    /** The tensors, each checked against its spec. */
    public Map<String, Tensor> finish() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Slot slot : slots.values()) {
            TensorBuffer buffer = slot.reader.buffer();
            long[] shape = Shapes.fitNested(slot.reader.shape(rows), buffer.size(), slot.spec, false);
            Tensor tensor = buffer.toTensor(shape);
            slot.spec.check(tensor);
            out.put(slot.spec.name(), tensor);
        }
        return out;
    }

    private List<String> names() {
        return inputs.stream().map(TensorSpec::name).toList();
    }
}
