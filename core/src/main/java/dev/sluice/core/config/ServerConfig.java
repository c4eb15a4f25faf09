package dev.sluice.core.config;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The serving process: ports, limits and models. The first model is the default behind {@code /invocations}.
 *
 * @param maxPayloadBytes requests with a larger body get 413 before the body is buffered (SageMaker: 6 MB)
 * @param drainTimeout    how long SIGTERM waits for in-flight requests (SageMaker sends SIGKILL after 30 s)
 */
public record ServerConfig(String bindAddress, int port, int adminPort, long maxPayloadBytes, Duration drainTimeout,
                           List<ModelConfig> models) {
    public static final String DEFAULT_BIND_ADDRESS = "0.0.0.0";
    public static final int DEFAULT_PORT = 8080;
    public static final int DEFAULT_ADMIN_PORT = 8081;
    /** SageMaker's real-time payload limit, 6 MB (SAGEMAKER-CONTRACT.md §1). */
    public static final long DEFAULT_MAX_PAYLOAD_BYTES = 6L * 1024 * 1024;
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

    public ServerConfig {
        bindAddress = bindAddress == null ? DEFAULT_BIND_ADDRESS : bindAddress;
        checkPort("port", port);
        checkPort("adminPort", adminPort);
        if (port != 0 && port == adminPort) {
            throw new IllegalArgumentException("port and adminPort must differ, both are " + port);
        }
        if (maxPayloadBytes < 1 || maxPayloadBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("maxPayloadBytes must be in [1, 2^31-9], got " + maxPayloadBytes);
        }
        drainTimeout = drainTimeout == null ? DEFAULT_DRAIN_TIMEOUT : drainTimeout;
        if (drainTimeout.isNegative()) {
            throw new IllegalArgumentException("drainTimeout must not be negative");
        }
        models = List.copyOf(Objects.requireNonNull(models, "models"));
        Set<String> names = new HashSet<>();
        for (ModelConfig m : models) {
            if (!names.add(m.name())) {
                throw new IllegalArgumentException("model name '" + m.name() + "' is used twice");
            }
        }
    }

    private static void checkPort(String field, int value) {
        if (value < 0 || value > 65535) {
            throw new IllegalArgumentException(field + " must be in [0, 65535], got " + value);
        }
    }

    /** The model behind {@code /invocations}; empty for a server that serves only control-plane endpoints. */
    public java.util.Optional<ModelConfig> defaultModel() {
        return models.stream().findFirst();
    }
}
