package dev.sluice.core.codec;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Chooses the codec for a request's {@code Content-Type} and for its {@code Accept}. Immutable; build one per
 * server and pass it to the pipelines that need it.
 */
public final class CodecRegistry {
    public static final String APPLICATION_JSON = "application/json";

    private final Map<String, PayloadCodec> byMediaType;

    public CodecRegistry(List<PayloadCodec> codecs) {
        Map<String, PayloadCodec> map = new LinkedHashMap<>();
        for (PayloadCodec codec : codecs) {
            for (String type : codec.mediaTypes()) {
                if (map.putIfAbsent(type, codec) != null) {
                    throw new IllegalArgumentException("two codecs claim media type " + type);
                }
            }
        }
        this.byMediaType = Map.copyOf(map);
    }

    /**
     * A registry of every codec Sluice ships: JSON (which also reads OIP v2 bodies), CSV, JSON Lines, NPY,
     * RecordIO-protobuf and OIP v2 JSON.
     */
    public static CodecRegistry standard() {
        return new CodecRegistry(List.of(new JsonCodec(), new CsvCodec(), new JsonLinesCodec(), new NpyCodec(),
                new RecordIoProtobufCodec(), new OipV2JsonCodec()));
    }

    /** The media type without parameters, lower case; null for null or blank input. */
    public static String baseMediaType(String headerValue) {
        if (headerValue == null) {
            return null;
        }
        int semicolon = headerValue.indexOf(';');
        String base = (semicolon >= 0 ? headerValue.substring(0, semicolon) : headerValue).trim().toLowerCase(Locale.ROOT);
        return base.isEmpty() ? null : base;
    }

    /**
     * The media ranges of an {@code Accept} header, base types only (lower case, parameters dropped), highest q-value
     * first and ties in the header's order; ranges with q=0 (or an unreadable q) are left out, as they refuse a type.
     */
    public static List<String> acceptedMediaTypes(String accept) {
        record Range(String base, double q) {
        }
        List<Range> ranges = new ArrayList<>();
        if (accept != null) {
            for (String part : accept.split(",")) {
                String base = baseMediaType(part);
                if (base == null) {
                    continue;
                }
                double q = 1.0;
                for (String param : part.split(";")) {
                    String p = param.trim();
                    if (p.startsWith("q=")) {
                        try {
                            q = Double.parseDouble(p.substring(2));
                        } catch (NumberFormatException e) {
                            q = 0;
                        }
                    }
                }
                if (q > 0) {
                    ranges.add(new Range(base, q));
                }
            }
        }
        ranges.sort(Comparator.comparingDouble(r -> -r.q()));
        return ranges.stream().map(Range::base).toList();
    }

    /**
     * The codec for a request body. A missing Content-Type is read as JSON (what most clients mean); an unknown
     * one is a 415 that lists what is supported.
     */
    public PayloadCodec forContentType(String contentType) {
        String base = baseMediaType(contentType);
        if (base == null) {
            base = APPLICATION_JSON;
        }
        PayloadCodec codec = byMediaType.get(base);
        if (codec == null) {
            throw new SluiceException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Type '" + contentType
                    + "' is not supported; use one of " + supportedMediaTypes());
        }
        return codec;
    }

    /**
     * The codec for the response. A missing Accept or a wildcard answers in the request's own format when that
     * codec can write it (a CSV request gets CSV back), else JSON; otherwise the highest-q supported type wins, and
     * none supported is a 406.
     */
    public PayloadCodec forAccept(String accept, PayloadCodec requestCodec) {
        Objects.requireNonNull(requestCodec, "requestCodec");
        PayloadCodec fallback = requestCodec.canEncode() ? requestCodec : byMediaType.get(APPLICATION_JSON);
        if (accept == null || accept.isBlank()) {
            return fallback;
        }
        for (String base : acceptedMediaTypes(accept)) {
            if (base.equals("*/*") || base.equals("application/*") && fallback.mediaTypes().get(0).startsWith("application/")) {
                return fallback;
            }
            PayloadCodec codec = byMediaType.get(base);
            if (codec != null && codec.canEncode()) {
                return codec;
            }
        }
        throw new SluiceException(ErrorCode.NOT_ACCEPTABLE, "Accept '" + accept + "' is not supported; use one of "
                + supportedMediaTypes());
    }

    public List<String> supportedMediaTypes() {
        return List.copyOf(byMediaType.keySet());
    }
}
