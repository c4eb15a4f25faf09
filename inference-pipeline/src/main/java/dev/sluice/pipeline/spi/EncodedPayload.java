package dev.sluice.pipeline.spi;

import java.util.Objects;

/** A response body a processor encoded itself, with its media type. */
public record EncodedPayload(byte[] body, String contentType) {
    public EncodedPayload {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(contentType, "contentType");
    }
}
