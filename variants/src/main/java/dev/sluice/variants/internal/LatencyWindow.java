package dev.sluice.variants.internal;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The most recent latencies of one stream, for percentiles that follow the current behaviour rather than the
 * whole history. Writers claim a slot with one atomic increment and never wait for each other or for a reader;
 * a reader copies the slots and sorts the copy. A slot claimed but not yet written reads as empty and is skipped,
 * so a snapshot taken under load may miss a sample or two, which percentiles over thousands do not notice.
 */
public final class LatencyWindow {
    /** SageMaker-style alarms look at p99; 4096 samples put about 40 of them above it. */
    public static final int DEFAULT_CAPACITY = 4096;

    private static final long EMPTY = -1L;

    private final AtomicLongArray samples;
    private final int mask;
    private final AtomicLong cursor = new AtomicLong();
    private final LongAdder count = new LongAdder();

    public LatencyWindow(int capacity) {
        if (capacity <= 0 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a positive power of two, got: " + capacity);
        }
        this.samples = new AtomicLongArray(capacity);
        this.mask = capacity - 1;
        for (int i = 0; i < capacity; i++) {
            samples.set(i, EMPTY);
        }
    }

    public LatencyWindow() {
        this(DEFAULT_CAPACITY);
    }

    public void record(long nanos) {
        long slot = cursor.getAndIncrement();
        samples.set((int) (slot & mask), Math.max(0L, nanos));
        count.increment();
    }

    /** Samples recorded since creation, not only those still in the window. */
    public long count() {
        return count.sum();
    }

    /** The samples currently in the window, in nanoseconds, sorted ascending. */
    public long[] sortedSnapshot() {
        int length = (int) Math.min(cursor.get(), samples.length());
        long[] copy = new long[length];
        int n = 0;
        for (int i = 0; i < length; i++) {
            long value = samples.get(i);
            if (value != EMPTY) {
                copy[n++] = value;
            }
        }
        long[] sorted = n == length ? copy : Arrays.copyOf(copy, n);
        Arrays.sort(sorted);
        return sorted;
    }

    /** Nearest-rank percentile of a sorted snapshot in milliseconds; 0 when there is no sample. */
    public static double percentileMillis(long[] sorted, double percentile) {
        if (sorted.length == 0) {
            return 0.0;
        }
        int rank = (int) Math.ceil(percentile * sorted.length);
        int index = Math.min(sorted.length - 1, Math.max(0, rank - 1));
        return sorted[index] / 1_000_000.0;
    }
}
