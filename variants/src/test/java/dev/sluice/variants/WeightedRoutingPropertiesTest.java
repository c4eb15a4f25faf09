package dev.sluice.variants;

import static dev.sluice.variants.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/**
 * For any weight vector, each variant's share of untargeted requests converges to weight / sum, and a zero-weight
 * variant receives nothing. The bound (half a percentage point after 4,000 requests) is far tighter than random
 * draws could meet: their two-sigma error at a share of 0.5 would be 1.6 points.
 */
class WeightedRoutingPropertiesTest {

    @Provide
    Arbitrary<List<Double>> weights() {
        Arbitrary<Double> weight = Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(0.0)),
                Tuple.of(3, Arbitraries.doubles().between(0.01, 100.0)),
                Tuple.of(1, Arbitraries.integers().between(1, 5).map(Integer::doubleValue)));
        return weight.list().ofMinSize(2).ofMaxSize(10)
                .filter(list -> list.stream().anyMatch(w -> w > 0));
    }

    @Property(tries = 60)
    void sharesMatchWeights(@ForAll("weights") List<Double> weights,
                            @ForAll @IntRange(min = 4_000, max = 6_000) int requests) {
        List<Fixtures.Counting> services = new ArrayList<>();
        List<VariantRoute> routes = new ArrayList<>();
        for (int i = 0; i < weights.size(); i++) {
            Fixtures.Counting service = new Fixtures.Counting("v" + i);
            services.add(service);
            routes.add(Fixtures.route("v" + i, weights.get(i), service));
        }
        EndpointRouter router = new EndpointRouter("ep", RoutingTable.of(routes, List.of()), Runnable::run);

        for (int i = 0; i < requests; i++) {
            router.invoke(request());
        }

        double total = weights.stream().mapToDouble(Double::doubleValue).sum();
        for (int i = 0; i < weights.size(); i++) {
            int calls = services.get(i).calls.get();
            if (weights.get(i) == 0.0) {
                assertThat(calls).as("zero-weight variant v%d", i).isZero();
            } else {
                assertThat((double) calls / requests).as("share of v%d", i)
                        .isCloseTo(weights.get(i) / total, within(0.005));
            }
        }
    }
}
