package dev.sluice.cli;

import dev.sluice.core.config.BatchingConfig;
import dev.sluice.core.config.RunnerConfig;
import java.util.List;
import picocli.CommandLine.Option;

/** Runner threads and dynamic batching of every model a command serves, shared by {@code serve} and {@code host}. */
final class RunnerOptions {
    @Option(names = "--workers", description = "Runner threads per model (default: number of cores; 1 per model "
            + "of a multi-model set).")
    Integer workers;

    @Option(names = "--intra-op-threads", description = "ONNX Runtime intra-op threads per runner (default 1).")
    Integer intraOpThreads;

    @Option(names = "--queue-capacity", description = "Requests queued per model before 503 (default 512).")
    Integer queueCapacity;

    @Option(names = "--max-batch-size", description = "Dynamic batching: most rows per batch (default 32).")
    Integer maxBatchSize;

    @Option(names = "--max-batch-delay-ms", description = "Dynamic batching: longest wait to fill a batch (default 0).")
    Double maxBatchDelayMs;

    @Option(names = "--no-batching", description = "Turn dynamic batching off.")
    boolean noBatching;

    RunnerConfig runners() {
        return runners(RunnerConfig.defaults());
    }

    /** The options given, each over its value in {@code defaults}. */
    RunnerConfig runners(RunnerConfig defaults) {
        return new RunnerConfig(
                workers != null ? workers : defaults.workers(),
                intraOpThreads != null ? intraOpThreads : defaults.intraOpThreads(),
                queueCapacity != null ? queueCapacity : defaults.queueCapacity());
    }

    BatchingConfig batching() {
        return noBatching ? BatchingConfig.disabled() : new BatchingConfig(true,
                maxBatchSize != null ? maxBatchSize : BatchingConfig.DEFAULT_MAX_BATCH_SIZE,
                ConfigFile.delay(maxBatchDelayMs),
                List.of());
    }
}
