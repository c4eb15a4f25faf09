package dev.sluice.core.hosting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import java.io.UncheckedIOException;
import org.assertj.core.api.AbstractStringAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Request builders and assertions shared by the hosting tests. */
final class HostingFixtures {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private HostingFixtures() {
    }

    static ObjectNode json(String text) {
        try {
            return (ObjectNode) MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode value(String jsonText) {
        try {
            return MAPPER.readTree(jsonText);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A copy of {@code request} with the member at JSON Pointer {@code pointer} (0-based array indexes) set to the
     * JSON text {@code jsonValue}, or removed when {@code jsonValue} is null. Parents must exist.
     */
    static ObjectNode with(ObjectNode request, String pointer, String jsonValue) {
        ObjectNode copy = request.deepCopy();
        int slash = pointer.lastIndexOf('/');
        JsonNode parent = slash == 0 ? copy : copy.at(pointer.substring(0, slash));
        String last = pointer.substring(slash + 1);
        if (parent instanceof ObjectNode object) {
            if (jsonValue == null) {
                object.remove(last);
            } else {
                object.set(last, value(jsonValue));
            }
        } else if (parent instanceof ArrayNode array) {
            int index = Integer.parseInt(last);
            if (jsonValue == null) {
                array.remove(index);
            } else {
                array.set(index, value(jsonValue));
            }
        } else {
            throw new IllegalArgumentException("no parent for " + pointer);
        }
        return copy;
    }

    static String quoted(String text) {
        return MAPPER.getNodeFactory().textNode(text).toString();
    }

    /** Asserts a ValidationException and returns its message for further checks. */
    static AbstractStringAssert<?> assertValidation(ThrowingCallable call) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).as("expected a ValidationException").isInstanceOf(SluiceException.class);
        SluiceException e = (SluiceException) thrown;
        assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_EXCEPTION);
        assertThat(e.code().httpStatus()).isEqualTo(400);
        return assertThat(e.getMessage());
    }

    /** Asserts a ValidationException whose message names {@code path} as SageMaker quotes it. */
    static void assertRejected(ThrowingCallable call, String path) {
        assertValidation(call).contains("'" + path + "'");
    }
}
