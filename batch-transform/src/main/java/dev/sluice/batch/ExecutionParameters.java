package dev.sluice.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * What a container offers through the optional {@code GET /execution-parameters} (SageMaker container contract, §1).
 * Precedence is the job's own values, then these, then SageMaker's defaults (1, MULTI_RECORD, 6 MB). Any field may
 * be null when the container leaves it out.
 */
public record ExecutionParameters(Integer maxConcurrentTransforms, BatchStrategy batchStrategy, Integer maxPayloadInMb) {

    /** Reads a container's GET /execution-parameters; empty on 404, a timeout, or anything unparseable. */
    public static Optional<ExecutionParameters> fetch(URI containerBaseUrl, Duration timeout) {
        return fetch(containerBaseUrl, timeout, uri -> Map.of());
    }

    /**
     * {@link #fetch(URI, Duration)} from a container that wants credentials.
     *
     * @param credentials the headers to send (e.g. {@code Authorization}) for the GET of the given URI
     */
    public static Optional<ExecutionParameters> fetch(URI containerBaseUrl, Duration timeout,
                                                      Function<URI, Map<String, String>> credentials) {
        String base = containerBaseUrl.toString();
        URI uri = URI.create((base.endsWith("/") ? base : base + "/") + "execution-parameters");
        // A one-off GET: a fresh client whose selector thread ends with it (HttpClient is AutoCloseable on 21).
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build()) {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).GET();
            credentials.apply(uri).forEach(request::header);
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return Optional.empty();
            }
            return parse(response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    /** Parses the body; empty when it is not a JSON object. */
    public static Optional<ExecutionParameters> parse(String json) {
        try {
            JsonNode root = new ObjectMapper().readTree(json);
            if (root == null || !root.isObject()) {
                return Optional.empty();
            }
            JsonNode strategy = root.get("BatchStrategy");
            return Optional.of(new ExecutionParameters(
                    root.hasNonNull("MaxConcurrentTransforms") ? root.get("MaxConcurrentTransforms").asInt() : null,
                    strategy != null && strategy.isTextual() ? BatchStrategy.parse(strategy.asText()) : null,
                    root.hasNonNull("MaxPayloadInMB") ? root.get("MaxPayloadInMB").asInt() : null));
        } catch (Exception e) {
            return Optional.empty();
        }
    }
}
