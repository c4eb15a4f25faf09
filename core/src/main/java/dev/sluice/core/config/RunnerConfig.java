package dev.sluice.core.config;

/**
 * How a model executes: {@code workers} runner threads, each owning an ONNX Runtime session with
 * {@code intraOpThreads} intra-op threads, fed from a queue of at most {@code queueCapacity} requests.
 *
 * <p>Default: one worker per core with one intra-op thread each. Measured on a 2-core machine, two runners × 1
 * intra-op thread served MiniLM about 2× faster than one runner × 2 threads: small-batch transformer kernels do not
 * parallelise well inside one op, while independent runs keep both cores busy.
 */
public record RunnerConfig(int workers, int intraOpThreads, int queueCapacity) {
    public static final int DEFAULT_INTRA_OP_THREADS = 1;
    public static final int DEFAULT_QUEUE_CAPACITY = 512;

    public RunnerConfig {
        if (workers < 1 || workers > 256) {
            throw new IllegalArgumentException("workers must be in [1, 256], got " + workers);
        }
        if (intraOpThreads < 1 || intraOpThreads > 256) {
            throw new IllegalArgumentException("intraOpThreads must be in [1, 256], got " + intraOpThreads);
        }
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity must be >= 1, got " + queueCapacity);
        }
    }

    public static RunnerConfig defaults() {
        return new RunnerConfig(Math.max(1, Runtime.getRuntime().availableProcessors()), DEFAULT_INTRA_OP_THREADS,
                DEFAULT_QUEUE_CAPACITY);
    }
}
