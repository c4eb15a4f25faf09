package dev.sluice.variants;

/** A scheduled task that can still be called off. Cancelling one that already ran, or twice, does nothing. */
@FunctionalInterface
public interface Cancellable {
    void cancel();
}
