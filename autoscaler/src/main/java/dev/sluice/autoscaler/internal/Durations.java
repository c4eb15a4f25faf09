package dev.sluice.autoscaler.internal;

import java.time.Duration;

/** Durations for operators' eyes: "30 s", "1500 ms". */
public final class Durations {
    private Durations() {
    }

    public static String human(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }
}
