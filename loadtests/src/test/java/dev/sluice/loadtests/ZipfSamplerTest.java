package dev.sluice.loadtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The Zipf feeder's sampler: probabilities, boundaries, and a seeded draw that matches them. */
class ZipfSamplerTest {
    @Test
    void probabilitiesFollowOneOverKToTheExponentAndSumToOne() {
        ZipfSampler zipf = new ZipfSampler(100, 1.1);
        double harmonic = 0;
        for (int k = 1; k <= 100; k++) {
            harmonic += Math.pow(k, -1.1);
        }
        double sum = 0;
        for (int k = 1; k <= 100; k++) {
            assertThat(zipf.probability(k)).isCloseTo(Math.pow(k, -1.1) / harmonic, offset(1e-12));
            sum += zipf.probability(k);
        }
        assertThat(sum).isCloseTo(1.0, offset(1e-12));
    }

    @Test
    void drawsCoverTheRanksAtTheirBoundaries() {
        ZipfSampler zipf = new ZipfSampler(3, 0);
        assertThat(zipf.rank(0)).isEqualTo(1);
        assertThat(zipf.rank(1.0 / 3 - 1e-9)).isEqualTo(1);
        assertThat(zipf.rank(0.5)).isEqualTo(2);
        assertThat(zipf.rank(Math.nextDown(1.0))).isEqualTo(3);
        assertThat(new ZipfSampler(1, 2).rank(0.99)).isEqualTo(1);
    }

    @Test
    void aSeededRunMatchesTheDistribution() {
        ZipfSampler zipf = new ZipfSampler(50, 1.1);
        SplittableRandom random = new SplittableRandom(42);
        int[] counts = new int[51];
        int draws = 200_000;
        for (int i = 0; i < draws; i++) {
            counts[zipf.rank(random.nextDouble())]++;
        }
        for (int k : new int[] {1, 2, 5, 50}) {
            assertThat(counts[k] / (double) draws).as("share of rank %d", k)
                    .isCloseTo(zipf.probability(k), offset(0.005));
        }
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> new ZipfSampler(0, 1)).hasMessageContaining("n must be positive");
        assertThatThrownBy(() -> new ZipfSampler(10, -1)).hasMessageContaining("exponent");
        assertThatThrownBy(() -> new ZipfSampler(10, 1).rank(1.0)).hasMessageContaining("[0, 1)");
    }
}
