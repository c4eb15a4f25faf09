package dev.sluice.pipeline.processors.classifier;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.codec.CodecRegistry;
import java.util.List;

/** The response bodies the classifier writes itself, and the choice among them for an Accept header. */
enum ResponseFormat {
    JSON("application/json"),
    JSON_LINES("application/jsonlines", "application/x-jsonlines", "application/jsonl"),
    CSV("text/csv");

    static final List<String> SUPPORTED = List.of("application/json", "application/jsonlines", "text/csv");

    private final List<String> mediaTypes;

    ResponseFormat(String... mediaTypes) {
        this.mediaTypes = List.of(mediaTypes);
    }

    /** The chosen format and the media type to answer with (the alias the client named, e.g. application/jsonl). */
    record Choice(ResponseFormat format, String mediaType) {
    }

    /**
     * Picks the response format as {@link CodecRegistry#forAccept} does (highest q first, ties in the order given),
     * except that a missing Accept and the wildcards answer JSON, the classifier's own response: a CSV request to a
     * tabular pipeline still wants labels, not CSV tensors. {@code text/*} answers CSV.
     */
    static Choice negotiate(String accept) {
        if (accept == null || accept.isBlank()) {
            return new Choice(JSON, JSON.mediaTypes.get(0));
        }
        for (String base : CodecRegistry.acceptedMediaTypes(accept)) {
            switch (base) {
                case "*/*", "application/*" -> {
                    return new Choice(JSON, JSON.mediaTypes.get(0));
                }
                case "text/*" -> {
                    return new Choice(CSV, CSV.mediaTypes.get(0));
                }
                default -> {
                    for (ResponseFormat format : values()) {
                        if (format.mediaTypes.contains(base)) {
                            return new Choice(format, base);
                        }
                    }
                }
            }
        }
        throw new SluiceException(ErrorCode.NOT_ACCEPTABLE, "Accept '" + accept + "' is not supported by the "
                + "classifier; use one of " + SUPPORTED);
    }
}
