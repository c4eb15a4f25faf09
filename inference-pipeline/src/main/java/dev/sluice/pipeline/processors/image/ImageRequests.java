package dev.sluice.pipeline.processors.image;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.codec.CodecRegistry;
import dev.sluice.core.codec.DecodedPayload;
import dev.sluice.core.tensor.Tensor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The request envelopes an image container reads: one image as the whole body, a batch as
 * {@code multipart/form-data}, or a batch as base64 in JSON. Produces the encoded image bytes, one element of the
 * {@code images} BYTES tensor per image, and checks each image's header (format, dimensions, MAX_PIXELS) so errors can
 * name the part or JSON element the client wrote; the pixels are decoded later, by the processor.
 */
final class ImageRequests {
    /** Single-image media types besides {@code image/*}. */
    static final List<String> RAW_TYPES = List.of("application/x-image", "application/octet-stream");
    static final String MULTIPART = "multipart/form-data";

    /**
     * The body is already bounded by the server's payload limit; Jackson's default 20 MB cap on one string would
     * refuse a large base64 image below that limit when the limit is raised.
     */
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
            .build());

    private final String input;
    private final int maxImages;
    private final long maxPixels;
    private final List<String> codecTypes;

    ImageRequests(String input, int maxImages, long maxPixels, List<String> codecTypes) {
        this.input = input;
        this.maxImages = maxImages;
        this.maxPixels = maxPixels;
        this.codecTypes = List.copyOf(codecTypes);
    }

    /**
     * Decodes a request body.
     *
     * @return the {@code images} tensor, or null for JSON without {@code instances}/{@code images} (e.g. an Open
     *         Inference Protocol v2 body) and for other codec media types, which the payload codecs read
     */
    DecodedPayload decode(byte[] body, String contentType) {
        String type = CodecRegistry.baseMediaType(contentType);
        if (type == null) {
            type = looksLikeJson(body) ? CodecRegistry.APPLICATION_JSON : RAW_TYPES.get(0);
        }
        if (type.startsWith("image/") || RAW_TYPES.contains(type)) {
            probe(body, "the request body");
            return payload(List.of(body), Map.of());
        }
        if (type.equals(MULTIPART)) {
            return multipart(body, contentType);
        }
        if (type.equals(CodecRegistry.APPLICATION_JSON)) {
            return json(body);
        }
        if (codecTypes.contains(type)) {
            return null;
        }
        throw new SluiceException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Type '" + contentType
                + "' is not supported by an image container; use image/jpeg, image/png (or another image/* type "
                + "ImageIO reads), application/x-image, multipart/form-data with one image per part, or "
                + "application/json with {\"instances\": [{\"b64\": \"...\"}]} or {\"images\": [\"<base64>\"]}");
    }

    private DecodedPayload multipart(byte[] body, String contentType) {
        List<MultipartFormData.Part> parts = MultipartFormData.parse(body, MultipartFormData.boundary(contentType),
                maxImages);
        List<byte[]> images = new ArrayList<>(parts.size());
        for (int i = 0; i < parts.size(); i++) {
            MultipartFormData.Part part = parts.get(i);
            probe(part.content(), part.label(i));
            images.add(part.content());
        }
        return payload(images, Map.of());
    }

    private DecodedPayload json(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw SluiceException.validation("body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw SluiceException.validation("body is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw SluiceException.validation("JSON body must be an object such as {\"instances\": [{\"b64\": "
                    + "\"...\"}]} or {\"images\": [\"<base64>\"]}");
        }
        String field = root.has("instances") ? "instances" : root.has("images") ? "images" : null;
        if (field == null) {
            return null;
        }
        JsonNode list = root.get(field);
        if (!list.isArray()) {
            throw SluiceException.validation("'" + field + "' must be an array of images, got "
                    + list.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
        }
        if (list.isEmpty()) {
            throw SluiceException.validation("'" + field + "' holds no images");
        }
        if (list.size() > maxImages) {
            throw SluiceException.validation("'" + field + "' holds " + list.size() + " images, more than "
                    + maxImages + " (Environment.MAX_IMAGES)");
        }
        List<byte[]> images = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            String label = field + "[" + i + "]";
            byte[] image = Base64Images.decode(base64Text(list.get(i), label), label);
            probe(image, label);
            images.add(image);
        }
        Map<String, String> hints = field.equals("instances")
                ? Map.of(DecodedPayload.HINT_STYLE, DecodedPayload.STYLE_INSTANCES)
                : Map.of();
        return payload(images, hints);
    }

    /**
     * The base64 of one element: a string, {@code {"b64": "..."}} (TensorFlow Serving's binary form), or a one-field
     * object around it ({@code {"image_bytes": {"b64": "..."}}}, Vertex AI's form).
     */
    private static String base64Text(JsonNode element, String label) {
        if (element.isTextual()) {
            return element.textValue();
        }
        if (element.isObject()) {
            JsonNode b64 = element.get("b64");
            if (b64 == null && element.size() == 1) {
                JsonNode inner = element.elements().next();
                b64 = inner.isObject() ? inner.get("b64") : null;
            }
            if (b64 != null && b64.isTextual()) {
                return b64.textValue();
            }
        }
        throw SluiceException.validation(label + " must be a base64 string, a data URL or {\"b64\": \"<base64>\"}, got "
                + describe(element));
    }

    private static String describe(JsonNode node) {
        if (node.isObject()) {
            List<String> names = new ArrayList<>();
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                names.add(it.next());
            }
            return "an object with fields " + names;
        }
        return node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }

    private void probe(byte[] image, String label) {
        ImageReading.probe(image, label, maxPixels);
    }

    private DecodedPayload payload(List<byte[]> images, Map<String, String> hints) {
        Tensor tensor = Tensor.ofStrings(new long[] {images.size()}, images.toArray(byte[][]::new));
        return new DecodedPayload(Map.of(input, tensor), hints);
    }

    private static boolean looksLikeJson(byte[] body) {
        for (byte b : body) {
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return b == '{';
            }
        }
        return false;
    }
}
