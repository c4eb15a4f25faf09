package dev.sluice.core.config;

import dev.sluice.core.hosting.ModelDefinition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The serving process: its role, ports, limits and what it serves. Every model and multi-model set is an endpoint of
 * its own name; the first model (else the first multi-model set) is the default behind {@code /invocations}.
 *
 * @param maxPayloadBytes requests with a larger body get 413 before the body is buffered (SageMaker: 6 MB)
 * @param drainTimeout    how long SIGTERM waits for in-flight requests (SageMaker sends SIGKILL after 30 s)
 * @param multiModels     multi-model endpoints (SAGEMAKER-CONTRACT.md §4)
 * @param s3              where {@code s3://} sources are read from, for models and multi-model prefixes alike
 * @param role            a gateway (with the control plane) or a standalone model host
 * @param pipelines       multi-container models (inference pipelines), each served as the endpoint of its model name
 * @param pluginsDir      where processor plugins (jars) are loaded from; null loads no code beyond Sluice's own
 * @param adminBindAddress where the admin port (control plane, metrics) listens; null: loopback, whatever
 *                         {@code bindAddress} is, because the control plane creates endpoints from model files
 * @param security        authentication and TLS for both ports; null: {@link SecurityConfig#DEFAULT}. A port bound
 *                        beyond loopback without credentials is refused unless authentication is off explicitly
 */
public record ServerConfig(String bindAddress, int port, int adminPort, long maxPayloadBytes, Duration drainTimeout,
                           List<ModelConfig> models, List<MultiModelConfig> multiModels, S3Config s3, Role role,
                           List<ModelDefinition> pipelines, Path pluginsDir, String adminBindAddress,
                           SecurityConfig security) {
    /** Loopback: serving beyond this machine is a choice (--bind 0.0.0.0), and one that needs credentials. */
    public static final String DEFAULT_BIND_ADDRESS = "127.0.0.1";
    public static final String DEFAULT_ADMIN_BIND_ADDRESS = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    public static final int DEFAULT_ADMIN_PORT = 8081;
    /** SageMaker's real-time payload limit, 6 MB (SAGEMAKER-CONTRACT.md §1). */
    public static final long DEFAULT_MAX_PAYLOAD_BYTES = 6L * 1024 * 1024;
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

    public enum Role {
        /** {@code sluice serve}: endpoints by name, and the SageMaker control plane on the admin port. */
        GATEWAY,
        /**
         * {@code sluice host}: a SageMaker container (SAGEMAKER-CONTRACT.md §1). It serves either models or one
         * multi-model set behind {@code /invocations}, the latter with the multi-model container API
         * ({@code /models}); its admin port has metrics and health but no control plane.
         */
        HOST
    }

    public ServerConfig {
        bindAddress = bindAddress == null ? DEFAULT_BIND_ADDRESS : bindAddress;
        adminBindAddress = adminBindAddress == null ? DEFAULT_ADMIN_BIND_ADDRESS : adminBindAddress;
        security = security == null ? SecurityConfig.DEFAULT : security;
        security.checkBind("bindAddress", bindAddress);
        security.checkBind("adminBindAddress", adminBindAddress);
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
        multiModels = multiModels == null ? List.of() : List.copyOf(multiModels);
        s3 = s3 == null ? S3Config.DEFAULT : s3;
        role = role == null ? Role.GATEWAY : role;
        pipelines = pipelines == null ? List.of() : List.copyOf(pipelines);
        // One namespace: both kinds are served at /endpoints/{name}/invocations.
        Set<String> names = new HashSet<>();
        for (ModelConfig m : models) {
            if (!names.add(m.name())) {
                throw new IllegalArgumentException("model name '" + m.name() + "' is used twice");
            }
        }
        for (MultiModelConfig m : multiModels) {
            if (!names.add(m.name())) {
                throw new IllegalArgumentException("multiModels name '" + m.name() + "' is used twice");
            }
        }
        for (ModelDefinition p : pipelines) {
            if (!names.add(p.modelName())) {
                throw new IllegalArgumentException("pipeline name '" + p.modelName() + "' is used twice");
            }
        }
        if (role == Role.HOST && !pipelines.isEmpty()) {
            throw new IllegalArgumentException("pipelines are served by sluice serve, not by a host");
        }
        if (role == Role.HOST) {
            // /invocations of a SageMaker container is either one model or routed by the target-model header.
            if (models.isEmpty() && multiModels.isEmpty()) {
                throw new IllegalArgumentException("a host needs models or a multi-model set to serve");
            }
            if (!models.isEmpty() && !multiModels.isEmpty()) {
                throw new IllegalArgumentException("a host serves models or one multi-model set, not both");
            }
            if (multiModels.size() > 1) {
                throw new IllegalArgumentException("a host serves at most one multi-model set, got "
                        + multiModels.size());
            }
        }
    }

    /** On the default admin address, with the default security (see {@link SecurityConfig#DEFAULT}). */
    public ServerConfig(String bindAddress, int port, int adminPort, long maxPayloadBytes, Duration drainTimeout,
                        List<ModelConfig> models, List<MultiModelConfig> multiModels, S3Config s3, Role role,
                        List<ModelDefinition> pipelines, Path pluginsDir) {
        this(bindAddress, port, adminPort, maxPayloadBytes, drainTimeout, models, multiModels, s3, role, pipelines,
                pluginsDir, null, null);
    }

    /** Without pipelines or plugins. */
    public ServerConfig(String bindAddress, int port, int adminPort, long maxPayloadBytes, Duration drainTimeout,
                        List<ModelConfig> models, List<MultiModelConfig> multiModels, S3Config s3, Role role) {
        this(bindAddress, port, adminPort, maxPayloadBytes, drainTimeout, models, multiModels, s3, role, List.of(),
                null);
    }

    /** A gateway serving {@code models}, with no multi-model endpoints and the default S3 settings. */
    public ServerConfig(String bindAddress, int port, int adminPort, long maxPayloadBytes, Duration drainTimeout,
                        List<ModelConfig> models) {
        this(bindAddress, port, adminPort, maxPayloadBytes, drainTimeout, models, List.of(), S3Config.DEFAULT,
                Role.GATEWAY);
    }

    private static void checkPort(String field, int value) {
        if (value < 0 || value > 65535) {
            throw new IllegalArgumentException(field + " must be in [0, 65535], got " + value);
        }
    }

    /** The model behind {@code /invocations}, if it is a single model; empty for a control-plane-only server. */
    public Optional<ModelConfig> defaultModel() {
        return models.stream().findFirst();
    }

    /** The multi-model set whose container API ({@code /models}) a host serves; empty for a gateway. */
    public Optional<MultiModelConfig> containerModels() {
        return role == Role.HOST ? multiModels.stream().findFirst() : Optional.empty();
    }
}
