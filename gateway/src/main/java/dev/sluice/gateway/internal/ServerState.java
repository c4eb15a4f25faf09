package dev.sluice.gateway.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the data plane's handlers share: whether the server is draining (SIGTERM received: {@code /ping} answers
 * 503 and responses close their connections) and how many requests are in flight, which shutdown waits on.
 */
public final class ServerState {
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Object drained = new Object();

    public boolean isDraining() {
        return draining.get();
    }

    public void startDraining() {
        draining.set(true);
    }

    public int inFlight() {
        return inFlight.get();
    }

    void requestStarted() {
        inFlight.incrementAndGet();
    }

    void requestFinished() {
        if (inFlight.decrementAndGet() == 0) {
            synchronized (drained) {
                drained.notifyAll();
            }
        }
    }

    /** Blocks (shutdown thread only) until no request is in flight or the deadline passes; true when drained. */
    public boolean awaitDrained(long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        synchronized (drained) {
            while (inFlight.get() > 0) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return false;
                }
                drained.wait(left);
            }
        }
        return true;
    }
}
