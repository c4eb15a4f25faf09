package dev.sluice.gateway.control.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.core.hosting.EndpointConfigDefinition;
import dev.sluice.variants.RoutingTable;
import dev.sluice.variants.ShadowRoute;
import dev.sluice.variants.VariantRoute;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The variants one endpoint config puts in service. During a blue/green update an endpoint has two: the serving
 * fleet and the one traffic shifts to.
 *
 * @param configRequest the CreateEndpointConfig request, kept so the endpoint can be rebuilt after a restart even if
 *                      the config has since been deleted (SageMaker allows that)
 * @param modelRequests the CreateModel requests of its models, for the same reason
 */
public record Fleet(String configName, JsonNode configRequest, EndpointConfigDefinition definition,
                    Map<String, JsonNode> modelRequests, List<LiveVariant> variants, List<LiveVariant> shadows,
                    Instant startedAt) {

    public List<VariantRoute> routes() {
        return variants.stream().map(v -> new VariantRoute(v.name(), v.model.modelName(), v.weight, v.pool)).toList();
    }

    /**
     * SageMaker samples shadow traffic by the shadow variant's weight relative to the production variant's (weight 1
     * against 1 copies every request; 0.5 against 1 copies half).
     */
    public List<ShadowRoute> shadowRoutes() {
        double production = variants.stream().mapToDouble(v -> v.weight).sum();
        return shadows.stream().map(s -> new ShadowRoute(s.name(), s.model.modelName(),
                production <= 0 ? 0 : Math.min(1.0, s.weight / production), s.pool)).toList();
    }

    public RoutingTable routingTable() {
        return RoutingTable.of(routes(), shadowRoutes());
    }

    public List<LiveVariant> all() {
        return java.util.stream.Stream.concat(variants.stream(), shadows.stream()).toList();
    }

    public LiveVariant variant(String name) {
        return variants.stream().filter(v -> v.name().equals(name)).findFirst().orElse(null);
    }
}
