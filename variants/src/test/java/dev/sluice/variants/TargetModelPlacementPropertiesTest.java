package dev.sluice.variants;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.constraints.UniqueElements;

/**
 * Rendezvous placement of target models, for any instance ids: adding an instance moves only the models the new
 * instance takes (about 1/(n+1) of them), removing one moves only the models it had (about 1/n), and models spread
 * evenly. Counts are binomial when the hash behaves like a random function, so the bounds are the expectation plus
 * six standard deviations: a correct implementation fails one with probability near 1e-9, while a placement that
 * reshuffles (modulo hashing moves (n-1)/n of the models) fails them by a wide margin.
 */
class TargetModelPlacementPropertiesTest {
    private static final int MODELS = 1_500;

    private static InstancePool pool(List<String> ids) {
        InstancePool pool = new InstancePool("v1", RoutingStrategy.LEAST_OUTSTANDING_REQUESTS,
                new VariantMetrics(new VariantMeterRegistry(new SimpleMeterRegistry()), "ep", "v1", "m"));
        ids.forEach(id -> pool.add(new VariantInstance(id, TargetModelRoutingTest.named(id))));
        return pool;
    }

    /** Instant answers keep every instance idle, so no hot-model spill blurs the placement. */
    private static Map<String, String> placement(InstancePool pool, long salt) {
        Map<String, String> placement = new HashMap<>();
        for (int m = 0; m < MODELS; m++) {
            String model = "tenant-" + salt + "/model-" + m + ".tar.gz";
            placement.put(model, TargetModelRoutingTest.servedBy(pool, model));
        }
        return placement;
    }

    private static double upperBound(int trials, double p) {
        return trials * p + 6 * Math.sqrt(trials * p * (1 - p)) + 1;
    }

    @Property(tries = 40)
    void addingAnInstanceMovesOnlyTheModelsItTakes(
            @ForAll @Size(min = 2, max = 13) @UniqueElements List<@AlphaChars @NumericChars @StringLength(min = 1,
                    max = 24) String> ids,
            @ForAll long salt) {
        List<String> before = ids.subList(0, ids.size() - 1);
        String added = ids.get(ids.size() - 1);
        InstancePool pool = pool(before);
        Map<String, String> old = placement(pool, salt);

        pool.add(new VariantInstance(added, TargetModelRoutingTest.named(added)));
        Map<String, String> now = placement(pool, salt);

        int moved = 0;
        for (Map.Entry<String, String> entry : old.entrySet()) {
            String to = now.get(entry.getKey());
            if (!to.equals(entry.getValue())) {
                assertThat(to).as("a moved model goes to the new instance only").isEqualTo(added);
                moved++;
            }
        }
        assertThat((double) moved).as("models moved to the %d-th instance", ids.size())
                .isLessThanOrEqualTo(upperBound(MODELS, 1.0 / ids.size()));
    }

    @Property(tries = 40)
    void removingAnInstanceMovesOnlyTheModelsItHad(
            @ForAll @Size(min = 2, max = 12) @UniqueElements List<@AlphaChars @NumericChars @StringLength(min = 1,
                    max = 24) String> ids,
            @ForAll @IntRange(min = 0, max = 11) int which,
            @ForAll long salt) {
        String removed = ids.get(which % ids.size());
        InstancePool pool = pool(ids);
        Map<String, String> old = placement(pool, salt);

        pool.remove(removed);
        Map<String, String> now = placement(pool, salt);

        int moved = 0;
        for (Map.Entry<String, String> entry : old.entrySet()) {
            boolean wasOnRemoved = entry.getValue().equals(removed);
            assertThat(now.get(entry.getKey()).equals(entry.getValue())).as(entry.getKey()).isNotEqualTo(wasOnRemoved);
            if (wasOnRemoved) {
                moved++;
            }
        }
        assertThat((double) moved).isLessThanOrEqualTo(upperBound(MODELS, 1.0 / ids.size()));
    }

    @Property(tries = 30)
    void distinctModelsSpreadEvenly(
            @ForAll @Size(min = 2, max = 16) @UniqueElements List<@AlphaChars @NumericChars @StringLength(min = 1,
                    max = 24) String> ids,
            @ForAll long salt) {
        Map<String, Integer> counts = new HashMap<>();
        placement(pool(ids), salt).values().forEach(id -> counts.merge(id, 1, Integer::sum));

        double p = 1.0 / ids.size();
        double mean = MODELS * p;
        double slack = 6 * Math.sqrt(MODELS * p * (1 - p)) + 1;
        for (String id : ids) {
            assertThat((double) counts.getOrDefault(id, 0)).as("models on %s", id)
                    .isBetween(mean - slack, mean + slack);
        }
    }
}
