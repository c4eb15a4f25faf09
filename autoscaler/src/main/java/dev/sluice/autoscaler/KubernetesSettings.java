package dev.sluice.autoscaler;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Duration;
import java.util.Objects;

/**
 * How {@link KubernetesCapacityProvider} finds and scales a variant's hosts.
 *
 * @param namespace    where the host Deployments, their Services and EndpointSlices live
 * @param template     the host Deployment to create for a variant that has none (name, labels, selector and
 *                     replicas are set by the provider; it adds {@code SLUICE_ENDPOINT}/{@code SLUICE_VARIANT} to every
 *                     container's environment, so args can say {@code $(SLUICE_VARIANT)}); null: the Deployment and its
 *                     Service must exist (applied from {@code deploy/kubernetes/})
 * @param portName     the EndpointSlice port to use ({@code http}); the first port when no port has that name
 * @param port         the port when an EndpointSlice lists none (the host's data port)
 * @param readyTimeout how long a new replica may take to become a ready endpoint (scheduling, image pull, model load)
 * @param pollInterval how often EndpointSlices are listed while waiting for one
 * @param drainTimeout the longest a removal waits for the caller's drained signal
 */
public record KubernetesSettings(String namespace, Deployment template, String portName, int port,
                                 Duration readyTimeout, Duration pollInterval, Duration drainTimeout) {
    public static final String DEFAULT_PORT_NAME = "http";
    public static final int DEFAULT_PORT = 8080;
    public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofMinutes(5);
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

    public KubernetesSettings {
        Objects.requireNonNull(namespace, "namespace");
        if (namespace.isBlank()) {
            throw new IllegalArgumentException("namespace must not be blank");
        }
        Objects.requireNonNull(portName, "portName");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be in 1..65535, got: " + port);
        }
        requirePositive(readyTimeout, "readyTimeout");
        requirePositive(pollInterval, "pollInterval");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        if (drainTimeout.isNegative()) {
            throw new IllegalArgumentException("drainTimeout must not be negative, got: " + drainTimeout);
        }
    }

    private static void requirePositive(Duration d, String field) {
        Objects.requireNonNull(d, field);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(field + " must be positive, got: " + d);
        }
    }

    /** Defaults for {@code namespace}, Deployments applied by hand. */
    public static KubernetesSettings of(String namespace) {
        return new KubernetesSettings(namespace, null, DEFAULT_PORT_NAME, DEFAULT_PORT, DEFAULT_READY_TIMEOUT,
                DEFAULT_POLL_INTERVAL, DEFAULT_DRAIN_TIMEOUT);
    }

    public KubernetesSettings withTemplate(Deployment deploymentTemplate) {
        return new KubernetesSettings(namespace, deploymentTemplate, portName, port, readyTimeout, pollInterval,
                drainTimeout);
    }

    public KubernetesSettings withTimings(Duration ready, Duration poll, Duration drain) {
        return new KubernetesSettings(namespace, template, portName, port, ready, poll, drain);
    }
}
