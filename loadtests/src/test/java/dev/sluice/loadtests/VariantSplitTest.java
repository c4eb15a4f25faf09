package dev.sluice.loadtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The split check TwoVariantSplit runs in after(): counting from many threads, and the verdict. */
class VariantSplitTest {
    private static final Map<String, Double> SEVENTY_THIRTY = new LinkedHashMap<>();

    static {
        SEVENTY_THIRTY.put("A", 0.7);
        SEVENTY_THIRTY.put("B", 0.3);
    }

    @Test
    void countsFromManyThreadsAreNotLost() throws Exception {
        VariantSplit split = new VariantSplit();
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            for (int t = 0; t < 4; t++) {
                pool.submit(() -> {
                    for (int i = 0; i < 10_000; i++) {
                        split.record(i % 10 < 7 ? "A" : "B");
                    }
                });
            }
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(split.counts()).containsExactly(Map.entry("A", 28_000L), Map.entry("B", 12_000L));
        assertThat(VariantSplit.problems(split.counts(), SEVENTY_THIRTY, 0.05, 1000)).isEmpty();
    }

    @Test
    void aShareOffByMoreThanTheToleranceIsAProblem() {
        Map<String, Long> observed = Map.of("A", 640L, "B", 360L);
        assertThat(VariantSplit.problems(observed, SEVENTY_THIRTY, 0.05, 1000))
                .hasSize(2).first().asString().contains("variant A got 0.6400 of 1000 requests, expected 0.7000");
        assertThat(VariantSplit.problems(observed, SEVENTY_THIRTY, 0.07, 1000)).isEmpty();
    }

    @Test
    void tooFewAnswersOrAnUnexpectedVariantAreProblems() {
        assertThat(VariantSplit.problems(Map.of("A", 70L, "B", 30L), SEVENTY_THIRTY, 0.05, 1000))
                .singleElement().asString().contains("only 100 answers");
        assertThat(VariantSplit.problems(Map.of("A", 700L, "B", 290L, "C", 10L), SEVENTY_THIRTY, 0.05, 1000))
                .singleElement().asString().contains("variant C");
    }
}
