package dev.sluice.modelhost.internal;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * {@link MmeEnvironment#system(String)}: two named daemon threads per multi-model host, both timing out when idle. The
 * wait bounds and the hand-off of waiting requests share one thread: both are short, and both concern requests that
 * are waiting for a load.
 */
final class MmeSystemEnvironment implements MmeEnvironment {
    /** Idle threads go away: a host whose models are all warm needs neither thread. */
    private static final long KEEP_ALIVE_SECONDS = 30;
    /**
     * The loader thread may be the first to touch ONNX Runtime, and creating its environment recursed about 12,000
     * native frames deep with a 17 kB command line (a long -cp): a default 1 MiB Java stack overflowed and the JVM died
     * of SIGSEGV without an error report (-Xss8m cured it). 16 MiB covers command lines of about 250 kB; only touched
     * pages are committed, so the reservation costs no memory.
     */
    private static final long LOADER_STACK_BYTES = 16L << 20;

    private final ScheduledThreadPoolExecutor waiters;
    private final ThreadPoolExecutor loader;

    MmeSystemEnvironment(String hostName) {
        this.waiters = new ScheduledThreadPoolExecutor(1,
                task -> Thread.ofPlatform().name("sluice-mme-" + hostName + "-waiters").daemon(true).unstarted(task));
        // Cancelled wait bounds (the common case: the load finished in time) must not pile up until their deadline.
        waiters.setRemoveOnCancelPolicy(true);
        // At close, pending wait bounds are moot; hand-offs already queued still run, so their requests get answers.
        waiters.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        waiters.setKeepAliveTime(KEEP_ALIVE_SECONDS, TimeUnit.SECONDS);
        waiters.allowCoreThreadTimeOut(true);
        // One thread: loads and unloads run strictly one after another (see MmeEnvironment#loader).
        this.loader = new ThreadPoolExecutor(1, 1, KEEP_ALIVE_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                task -> Thread.ofPlatform().name("sluice-mme-" + hostName + "-loader").daemon(true)
                        .stackSize(LOADER_STACK_BYTES).unstarted(task));
        loader.allowCoreThreadTimeOut(true);
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Runnable schedule(Duration delay, Runnable task) {
        ScheduledFuture<?> future = waiters.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
        return () -> future.cancel(false);
    }

    @Override
    public Executor waiters() {
        return waiters;
    }

    @Override
    public Executor loader() {
        return loader;
    }

    @Override
    public long residentBytes() {
        return MmeMemory.residentBytes();
    }

    @Override
    public void close() {
        waiters.shutdown();
        loader.shutdownNow();
    }
}
