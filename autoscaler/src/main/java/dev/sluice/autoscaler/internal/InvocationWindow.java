package dev.sluice.autoscaler.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * Invocations per minute over the last minute, from samples of a monotonic counter: SageMaker's
 * {@code InvocationsPerInstance} is the 1-minute Sum. Until a minute of samples exists the rate is extrapolated from
 * what there is, so a fresh target can react within its first minute.
 */
public final class InvocationWindow {
    private static final Duration WINDOW = Duration.ofMinutes(1);
    private final ArrayDeque<Sample> samples = new ArrayDeque<>();

    public void add(Instant now, long invocations) {
        Sample last = samples.peekLast();
        if (last != null && invocations < last.invocations) {
            // A counter that goes back means the variant's meters restarted; old samples would give a negative rate.
            samples.clear();
        }
        samples.addLast(new Sample(now, invocations));
        // Keep the newest sample at or before now − 1 min as the window's base, drop anything older.
        Instant windowStart = now.minus(WINDOW);
        while (samples.size() >= 2) {
            Iterator<Sample> it = samples.iterator();
            it.next();
            if (it.next().time.isAfter(windowStart)) {
                break;
            }
            samples.removeFirst();
        }
    }

    /** Invocations per minute, or NaN before two samples exist. */
    public double perMinute() {
        if (samples.size() < 2) {
            return Double.NaN;
        }
        Sample base = samples.peekFirst();
        Sample last = samples.peekLast();
        long elapsedMillis = Duration.between(base.time, last.time).toMillis();
        if (elapsedMillis <= 0) {
            return Double.NaN;
        }
        return (last.invocations - base.invocations) * (double) WINDOW.toMillis() / elapsedMillis;
    }

    private record Sample(Instant time, long invocations) {
    }
}
