package dev.sluice.variants;

import static dev.sluice.variants.Fixtures.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoutingTableTest {
    private final VariantRoute a = route("A", 1, Fixtures.answering("a"));
    private final VariantRoute b = route("B", 2, Fixtures.answering("b"));

    @Test
    void withWeightsChangesOnlyTheNamedVariants() {
        RoutingTable table = RoutingTable.of(List.of(a, b), List.of());

        RoutingTable changed = table.withWeights(Map.of("B", 0.0));

        assertThat(changed.current()).extracting(VariantRoute::weight).containsExactly(1.0, 0.0);
        assertThat(table.current()).extracting(VariantRoute::weight).containsExactly(1.0, 2.0);
        assertThatThrownBy(() -> table.withWeights(Map.of("C", 1.0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("C");
        assertThatThrownBy(() -> table.withWeights(Map.of("A", -1.0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight");
    }

    @Test
    void listsAreCopiedImmutably() {
        List<VariantRoute> variants = new ArrayList<>(List.of(a));
        RoutingTable table = RoutingTable.of(variants, null);
        variants.add(b);

        assertThat(table.current()).containsExactly(a);
        assertThat(table.next()).isEmpty();
        assertThat(table.shadows()).isEmpty();
        assertThatThrownBy(() -> table.current().add(b)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void allVariantsListsCurrentThenNext() {
        VariantRoute green = route("A", 1, Fixtures.answering("green"));
        RoutingTable table = new RoutingTable(List.of(a, b), List.of(green), 0.5, List.of());
        assertThat(table.allVariants()).containsExactly(a, b, green);
    }

    @Test
    void validatesShareFleetsAndNames() {
        assertThatThrownBy(() -> RoutingTable.of(List.of(), List.of())).hasMessageContaining("current");
        assertThatThrownBy(() -> new RoutingTable(List.of(a), List.of(), 0.5, List.of()))
                .hasMessageContaining("nextShare");
        assertThatThrownBy(() -> new RoutingTable(List.of(a), List.of(b), 1.5, List.of()))
                .hasMessageContaining("nextShare");
        assertThatThrownBy(() -> RoutingTable.of(List.of(a, route("A", 1, Fixtures.answering("x"))), List.of()))
                .hasMessageContaining("duplicate variant name A");
        ShadowRoute shadowNamedA = new ShadowRoute("A", "m", 0.5, Fixtures.pool(new SimpleMeterRegistry(), "A"));
        assertThatThrownBy(() -> RoutingTable.of(List.of(a), List.of(shadowNamedA)))
                .hasMessageContaining("shadows");
    }

    @Test
    void routesValidateTheirFields() {
        InstancePool pool = Fixtures.pool(new SimpleMeterRegistry(), "x");
        assertThatThrownBy(() -> new VariantRoute("x", "m", Double.POSITIVE_INFINITY, pool)).hasMessageContaining("weight");
        assertThatThrownBy(() -> new VariantRoute("x", "m", -0.1, pool)).hasMessageContaining("weight");
        assertThatThrownBy(() -> new VariantRoute(null, "m", 1, pool)).hasMessageContaining("name");
        assertThatThrownBy(() -> new ShadowRoute("x", "m", 1.1, pool)).hasMessageContaining("samplingFraction");
        assertThatThrownBy(() -> new ShadowRoute("x", "m", Double.NaN, pool)).hasMessageContaining("samplingFraction");
        assertThatThrownBy(() -> new VariantInstance("", Fixtures.answering("x"))).hasMessageContaining("id");
    }

    @Test
    void routingStrategyParsesSageMakerValues() {
        assertThat(RoutingStrategy.parse(null)).isEqualTo(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS);
        assertThat(RoutingStrategy.parse("RANDOM")).isEqualTo(RoutingStrategy.RANDOM);
        assertThat(RoutingStrategy.parse("least_outstanding_requests"))
                .isEqualTo(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS);
        assertThatThrownBy(() -> RoutingStrategy.parse("ROUND_ROBIN")).hasMessageContaining("RANDOM");
    }
}
