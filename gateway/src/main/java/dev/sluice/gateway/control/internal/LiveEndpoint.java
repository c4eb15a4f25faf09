package dev.sluice.gateway.control.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.variants.EndpointRouter;
import dev.sluice.variants.TrafficShift;
import java.time.Instant;

/**
 * An endpoint created through the control plane, as it stands. Mutable and touched only on the control-plane thread;
 * the data plane reaches it only through {@link #router}.
 */
public final class LiveEndpoint {
    public final String name;
    public final Instant createdAt;
    public String status;
    public String failureReason;
    public Instant modifiedAt;
    /** The serving endpoint config (or the one being created) with its requests, enough to rebuild after a restart. */
    public String configName;
    public JsonNode configRequest;
    public java.util.Map<String, JsonNode> modelRequests = java.util.Map.of();
    /** The config an UpdateEndpoint is moving to, and when it started. */
    public String pendingConfigName;
    public Instant pendingSince;
    /** The DeploymentConfig of the last CreateEndpoint/UpdateEndpoint that had one (LastDeploymentConfig). */
    public JsonNode deploymentConfig;
    /** The serving fleet; null while Creating and when Failed. */
    public Fleet fleet;
    /** The fleet an UpdateEndpoint is bringing up or shifting traffic to. */
    public Fleet pending;
    public TrafficShift shift;
    public EndpointRouter router;
    /** In-flight capacity changes from UpdateEndpointWeightsAndCapacities. */
    public int capacityChanges;
    public boolean deleted;

    public LiveEndpoint(String name, Instant createdAt, String status) {
        this.name = name;
        this.createdAt = createdAt;
        this.modifiedAt = createdAt;
        this.status = status;
    }

}
