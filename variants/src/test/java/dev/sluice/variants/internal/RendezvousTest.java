package dev.sluice.variants.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RendezvousTest {

    @Test
    void nodeIdsWhoseStringHashesCollideStillGetDistinctHashesAndEachWinsKeys() {
        assertThat("Aa".hashCode()).isEqualTo("BB".hashCode());
        long aa = Rendezvous.nodeHash("Aa");
        long bb = Rendezvous.nodeHash("BB");
        assertThat(aa).isNotEqualTo(bb);

        int aaWins = 0;
        for (int k = 0; k < 10_000; k++) {
            long key = Rendezvous.hash("model-" + k);
            if (Rendezvous.score(key, aa) > Rendezvous.score(key, bb)) {
                aaWins++;
            }
        }
        // A fair coin per key: mean 5,000, sigma 50.
        assertThat(aaWins).isBetween(4_700, 5_300);
    }

    @Test
    void idsDifferingInOneCharacterAreFarApart() {
        // Full avalanche: about half of the 64 bits differ, where the raw polynomial hashes differ by 1.
        for (int i = 0; i < 100; i++) {
            int differing = Long.bitCount(Rendezvous.nodeHash("v1-" + i) ^ Rendezvous.nodeHash("v1-" + (i + 1)));
            assertThat(differing).isBetween(12, 52);
            differing = Long.bitCount(Rendezvous.hash("m" + i) ^ Rendezvous.hash("m" + (i + 1)));
            assertThat(differing).isBetween(12, 52);
        }
    }
}
