package dev.sluice.variants;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Everything an {@link EndpointRouter} routes by, swapped as one value. {@code current} is the serving fleet.
 * During a blue/green deployment {@code next} is the new fleet and {@code nextShare} the fraction of requests it
 * gets; outside one, {@code next} is empty and the share 0. The two fleets may reuse variant names (an update
 * usually keeps {@code AllTraffic}), so names are unique within a fleet, not across both.
 *
 * @param current   the serving fleet, at least one variant
 * @param next      the fleet being shifted to; null is read as empty
 * @param nextShare fraction of requests sent to {@code next}, in [0, 1]; must be 0 when {@code next} is empty
 * @param shadows   shadow variants; null is read as empty. Names must differ from each other and from
 *                  {@code current}'s
 */
public record RoutingTable(List<VariantRoute> current, List<VariantRoute> next, double nextShare,
                           List<ShadowRoute> shadows) {

    public RoutingTable {
        Objects.requireNonNull(current, "current");
        current = List.copyOf(current);
        next = next == null ? List.of() : List.copyOf(next);
        shadows = shadows == null ? List.of() : List.copyOf(shadows);
        if (current.isEmpty()) {
            throw new IllegalArgumentException("current must hold at least one variant");
        }
        if (!(nextShare >= 0.0 && nextShare <= 1.0)) {
            throw new IllegalArgumentException("nextShare must be in [0, 1], got: " + nextShare);
        }
        if (next.isEmpty() && nextShare != 0.0) {
            throw new IllegalArgumentException("nextShare must be 0 when next is empty, got: " + nextShare);
        }
        Set<String> currentNames = requireUniqueNames(current.stream().map(VariantRoute::name).toList(), "current");
        requireUniqueNames(next.stream().map(VariantRoute::name).toList(), "next");
        Set<String> shadowNames = requireUniqueNames(shadows.stream().map(ShadowRoute::name).toList(), "shadows");
        for (String shadow : shadowNames) {
            if (currentNames.contains(shadow)) {
                throw new IllegalArgumentException("shadows: " + shadow + " is also a production variant");
            }
        }
    }

    /** A table with one serving fleet and no deployment in progress. */
    public static RoutingTable of(List<VariantRoute> variants, List<ShadowRoute> shadows) {
        return new RoutingTable(variants, List.of(), 0.0, shadows);
    }

    /**
     * A copy with the serving fleet's weights changed (SageMaker's UpdateEndpointWeightsAndCapacities); variants
     * not named keep their weight.
     *
     * @throws IllegalArgumentException when a name is not a variant of the serving fleet, or a weight is invalid
     */
    public RoutingTable withWeights(Map<String, Double> weightsByVariantName) {
        Objects.requireNonNull(weightsByVariantName, "weightsByVariantName");
        Map<String, Double> remaining = new HashMap<>(weightsByVariantName);
        List<VariantRoute> changed = new ArrayList<>(current.size());
        for (VariantRoute route : current) {
            Double weight = remaining.remove(route.name());
            changed.add(weight == null ? route : route.withWeight(weight));
        }
        if (!remaining.isEmpty()) {
            throw new IllegalArgumentException("weightsByVariantName: not a production variant: "
                    + remaining.keySet().stream().sorted().toList());
        }
        return new RoutingTable(changed, next, nextShare, shadows);
    }

    /** A copy with the serving fleet replaced (keeping the deployment and shadows). */
    public RoutingTable withCurrent(List<VariantRoute> newCurrent) {
        return new RoutingTable(newCurrent, next, nextShare, shadows);
    }

    /** A copy with the deployment's fleet and share replaced; an empty list with share 0 ends the deployment. */
    public RoutingTable withNext(List<VariantRoute> newNext, double newNextShare) {
        return new RoutingTable(current, newNext, newNextShare, shadows);
    }

    public RoutingTable withShadows(List<ShadowRoute> newShadows) {
        return new RoutingTable(current, next, nextShare, newShadows);
    }

    /** The serving fleet's variants, then the new fleet's. */
    public List<VariantRoute> allVariants() {
        if (next.isEmpty()) {
            return current;
        }
        List<VariantRoute> all = new ArrayList<>(current.size() + next.size());
        all.addAll(current);
        all.addAll(next);
        return List.copyOf(all);
    }

    /** The serving fleet's variant of that name. */
    public Optional<VariantRoute> variant(String name) {
        return current.stream().filter(route -> route.name().equals(name)).findFirst();
    }

    private static Set<String> requireUniqueNames(List<String> names, String field) {
        Set<String> seen = new HashSet<>();
        for (String name : names) {
            if (!seen.add(name)) {
                throw new IllegalArgumentException(field + ": duplicate variant name " + name);
            }
        }
        return seen;
    }
}
