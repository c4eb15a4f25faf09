package dev.sluice.modelhost.internal;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the requests using one cached model and decides, exactly once, when it may be unloaded. One atomic int holds
 * both the count and a "draining" flag, so the hit path is a single compare-and-set with no lock: a model that is
 * being evicted or unloaded refuses new users, and whoever brings the count of a draining model to zero (the last
 * request, or the unloader when nothing was in flight) is told so, once.
 */
public final class MmePins {
    private static final int DRAINING = 1 << 30;

    /** What {@link #drain()} found. */
    public enum Drain {
        /** The flag was set by this call and nothing is in flight: the caller frees the model now. */
        DRAINED_NOW,
        /** The flag was set by this call; the last {@link #release()} reports the drain. */
        WAITING,
        /** Someone else already started draining; they own the follow-up. */
        ALREADY_DRAINING
    }

    private final AtomicInteger state = new AtomicInteger();

    /** Takes a pin unless the model is draining. */
    public boolean tryAcquire() {
        while (true) {
            int s = state.get();
            if ((s & DRAINING) != 0) {
                return false;
            }
            if (state.compareAndSet(s, s + 1)) {
                return true;
            }
        }
    }

    /** Gives a pin back; true when this was the last pin of a draining model (the caller frees it). */
    public boolean release() {
        int s = state.decrementAndGet();
        // Below zero without the flag is -1; below zero with it clears the flag and leaves DRAINING - 1.
        if (s < 0 || s == DRAINING - 1) {
            throw new IllegalStateException("released more pins than were taken");
        }
        return s == DRAINING;
    }

    /** Refuses new pins from now on. */
    public Drain drain() {
        int previous = state.getAndUpdate(s -> s | DRAINING);
        if ((previous & DRAINING) != 0) {
            return Drain.ALREADY_DRAINING;
        }
        return previous == 0 ? Drain.DRAINED_NOW : Drain.WAITING;
    }

    /** Starts draining only if nothing is in flight (eviction must never take a model that is serving). */
    public boolean tryRetireIdle() {
        return state.compareAndSet(0, DRAINING);
    }

    public boolean isDraining() {
        return (state.get() & DRAINING) != 0;
    }

    public int inFlight() {
        return state.get() & ~DRAINING;
    }
}
