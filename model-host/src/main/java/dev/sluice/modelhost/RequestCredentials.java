package dev.sluice.modelhost;

import java.util.Map;
import java.util.Objects;

/**
 * Credentials a remote container wants on each request: a bearer API key, or a signature over the request (AWS
 * SigV4). Called once per request, on the caller's thread, with the request as it will be sent.
 */
@FunctionalInterface
public interface RequestCredentials {
    /**
     * @param method       the HTTP method
     * @param hostHeader   the {@code Host} header sent
     * @param pathAndQuery the request target sent (still percent-encoded)
     * @param headers      the request's other headers so far, by lowercase name
     * @param body         the body sent
     * @return the headers to add (e.g. {@code Authorization}); never logged
     */
    Map<String, String> headers(String method, String hostHeader, String pathAndQuery, Map<String, String> headers,
                                byte[] body);

    /** {@code Authorization: Bearer apiKey} on every request. */
    static RequestCredentials bearer(String apiKey) {
        Objects.requireNonNull(apiKey, "apiKey");
        Map<String, String> header = Map.of("Authorization", "Bearer " + apiKey);
        return new RequestCredentials() {
            @Override
            public Map<String, String> headers(String method, String hostHeader, String pathAndQuery,
                                               Map<String, String> headers, byte[] body) {
                return header;
            }

            @Override
            public String toString() {
                return "bearer API key";
            }
        };
    }
}
