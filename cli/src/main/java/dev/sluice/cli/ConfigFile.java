package dev.sluice.cli;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sluice.core.config.BatchingConfig;
import dev.sluice.core.config.ModelConfig;
import dev.sluice.core.config.RunnerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The {@code --config} file (YAML or JSON; JSON is YAML) as written by people: every field optional, converted into
 * the validated core config records. Unknown fields are an error so a typo does not silently fall back to a default.
 */
record ConfigFile(Integer port, Integer adminPort, String bindAddress, Double maxPayloadMb, Integer drainTimeoutSeconds,
                  List<Model> models) {

    @JsonIgnoreProperties(ignoreUnknown = false)
    record Model(String name, String source, String pipeline, Integer workers, Integer intraOpThreads,
                 Integer queueCapacity, Batching batching, Map<String, String> options) {
        ModelConfig toConfig(RunnerConfig defaults) {
            RunnerConfig runners = new RunnerConfig(
                    workers != null ? workers : defaults.workers(),
                    intraOpThreads != null ? intraOpThreads : defaults.intraOpThreads(),
                    queueCapacity != null ? queueCapacity : defaults.queueCapacity());
            BatchingConfig batchingConfig = batching == null ? BatchingConfig.defaults() : batching.toConfig();
            return new ModelConfig(name, source, pipeline, runners, batchingConfig, options);
        }
    }

    record Batching(Boolean enabled, Integer maxBatchSize, Double maxQueueDelayMs, List<Integer> preferredBatchSizes) {
        BatchingConfig toConfig() {
            return new BatchingConfig(
                    enabled == null || enabled,
                    maxBatchSize != null ? maxBatchSize : BatchingConfig.DEFAULT_MAX_BATCH_SIZE,
                    delay(maxQueueDelayMs),
                    preferredBatchSizes != null ? preferredBatchSizes : List.of());
        }
    }

    /** A batch delay given in (fractional) milliseconds, or the default when absent. */
    static Duration delay(Double millis) {
        return millis != null ? Duration.ofNanos((long) (millis * 1_000_000)) : BatchingConfig.DEFAULT_MAX_QUEUE_DELAY;
    }

    static ConfigFile read(Path file) {
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        try {
            ConfigFile config = mapper.readValue(Files.readAllBytes(file), ConfigFile.class);
            if (config == null) {
                throw new IllegalArgumentException("config file " + file + " is empty");
            }
            return config;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
    }
}
