package dev.sluice.core.codec.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.sluice.core.SluiceException;
import java.io.IOException;
import java.util.Arrays;

/**
 * Streams JSON nested arrays into a {@link TensorBuffer} and works out their shape, rejecting ragged arrays as it
 * goes. Streaming (rather than a Jackson tree) keeps a 6 MB request of numbers from becoming millions of node
 * objects.
 *
 * <p>A value is rectangular when every array at the same depth has the same length and all scalars sit at the
 * same depth with no arrays at or below it. The first array to close at a depth fixes that depth's length.
 */
public final class NestedArrayReader {
    /** Beyond Jackson's nesting limit, so the parser always fails first. */
    private static final int MAX_DEPTH = JsonSupport.MAX_NESTING_DEPTH + 2;

    private final TensorBuffer buffer;
    private final int baseDepth;
    private final long[] lengths = new long[MAX_DEPTH];
    private final boolean[] known = new boolean[MAX_DEPTH];
    private int scalarDepth = -1;
    private int deepestArray;

    private NestedArrayReader(TensorBuffer buffer, int baseDepth) {
        this.buffer = buffer;
        this.baseDepth = baseDepth;
        this.deepestArray = baseDepth - 1;
    }

    /** Reads one value that is the whole tensor. */
    public static NestedArrayReader forTensor(TensorBuffer buffer) {
        return new NestedArrayReader(buffer, 0);
    }

    /**
     * Reads a tensor delivered row by row (JSON {@code instances}, JSON Lines): each {@link #readValue} call adds
     * one entry along the first dimension, and all rows must have one shape.
     */
    public static NestedArrayReader forRows(TensorBuffer buffer) {
        return new NestedArrayReader(buffer, 1);
    }

    public TensorBuffer buffer() {
        return buffer;
    }

    /** Reads the value whose first token is the parser's current token. */
    public void readValue(JsonParser p) throws IOException {
        read(p, baseDepth);
    }

    /**
     * Reads an array whose {@code START_ARRAY} was already consumed: the current token is its first element or
     * its {@code END_ARRAY}. Lets a caller peek at the first element before choosing how to read.
     */
    public void readArrayAfterStart(JsonParser p) throws IOException {
        readArrayBody(p, baseDepth);
    }

    /** The shape read so far; for row readers {@code rows} is the first dimension. */
    public long[] shape(long rows) {
        int rank = scalarDepth >= 0 ? scalarDepth : deepestArray + 1;
        long[] shape = Arrays.copyOf(lengths, rank);
        if (baseDepth == 1) {
            shape[0] = rows;
        }
        return shape;
    }

    private void read(JsonParser p, int depth) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_ARRAY) {
            p.nextToken();
            readArrayBody(p, depth);
        } else {
            if (scalarDepth < 0) {
                if (deepestArray >= depth) {
                    throw ragged(p, "a single value where other entries are arrays");
                }
                scalarDepth = depth;
            } else if (depth != scalarDepth) {
                throw ragged(p, "a single value at nesting depth " + depth + " where other values sit at depth "
                        + scalarDepth);
            }
            JsonSupport.readScalar(p, buffer);
        }
    }

    private void readArrayBody(JsonParser p, int depth) throws IOException {
        if (scalarDepth >= 0 && depth >= scalarDepth) {
            throw ragged(p, "an array where other entries are single values");
        }
        if (depth >= MAX_DEPTH) {
            throw SluiceException.validation("input '" + buffer.inputName() + "' is nested more than "
                    + JsonSupport.MAX_NESTING_DEPTH + " levels deep");
        }
        deepestArray = Math.max(deepestArray, depth);
        long count = 0;
        for (JsonToken t = p.currentToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t == null) {
                throw SluiceException.validation("malformed JSON: the body ends inside an array");
            }
            read(p, depth + 1);
            count++;
        }
        if (!known[depth]) {
            known[depth] = true;
            lengths[depth] = count;
        } else if (lengths[depth] != count) {
            throw ragged(p, "an array of " + count + " entries where an earlier array at the same depth has "
                    + lengths[depth]);
        }
    }

    private SluiceException ragged(JsonParser p, String what) {
        String at = JsonSupport.location(p);
        return SluiceException.validation("input '" + buffer.inputName() + "' is not a rectangular array: found "
                + what + (at == null ? "" : " (" + at + ")"));
    }
}
