package dev.sluice.autoscaler.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class InvocationWindowTest {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    @Test
    void isTheCountOverTheLastMinuteOnceAMinuteOfSamplesExists() {
        InvocationWindow window = new InvocationWindow();
        window.add(T0, 0);
        assertThat(window.perMinute()).isNaN();
        window.add(T0.plusSeconds(10), 50);
        // Extrapolated from 10 s: 50 in 10 s is 300 per minute.
        assertThat(window.perMinute()).isEqualTo(300.0);
        for (int s = 20; s <= 120; s += 10) {
            window.add(T0.plusSeconds(s), s <= 60 ? 50 : 50 + (s - 60));
        }
        // From 60 s to 120 s exactly 60 more invocations.
        assertThat(window.perMinute()).isEqualTo(60.0);
    }

    @Test
    void aCounterThatGoesBackStartsTheWindowOver() {
        InvocationWindow window = new InvocationWindow();
        window.add(T0, 1000);
        window.add(T0.plusSeconds(10), 1100);
        window.add(T0.plusSeconds(20), 5);

        assertThat(window.perMinute()).isNaN();
        window.add(T0.plusSeconds(30), 15);
        assertThat(window.perMinute()).isEqualTo(60.0);
    }
}
