package dev.sluice.cli;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sluice.core.config.BatchingConfig;
import dev.sluice.core.config.ModelConfig;
import dev.sluice.core.config.MultiModelConfig;
import dev.sluice.core.config.RunnerConfig;
import dev.sluice.core.config.S3Config;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
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
                  List<Model> models, List<MultiModel> multiModels, S3 s3) {

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

    /**
     * A multi-model endpoint. {@code memoryBudget} is a size ({@code 2g}, {@code 512m} or bytes) and {@code cache}
     * {@code enabled}/{@code disabled}; like {@code workers}, an entry's own value wins over the command line's.
     */
    record MultiModel(String name, String prefix, String memoryBudget, String cache, String pipeline, Integer workers,
                      Integer intraOpThreads, Integer queueCapacity, Batching batching, Map<String, String> options) {
        MultiModelConfig toConfig(RunnerConfig runnerDefaults, BatchingConfig batchingDefault, Long budgetDefault,
                                  CacheSetting cacheDefault) {
            RunnerConfig runners = new RunnerConfig(
                    workers != null ? workers : runnerDefaults.workers(),
                    intraOpThreads != null ? intraOpThreads : runnerDefaults.intraOpThreads(),
                    queueCapacity != null ? queueCapacity : runnerDefaults.queueCapacity());
            long budget;
            boolean cacheEnabled;
            try {
                budget = memoryBudget != null ? ByteSize.parse(memoryBudget)
                        : budgetDefault != null ? budgetDefault : MultiModelConfig.DEFAULT_MEMORY_BUDGET;
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("multiModels '" + name + "': memoryBudget " + e.getMessage(), e);
            }
            try {
                // YAML reads an unquoted true/false as a boolean; take it as enabled/disabled.
                cacheEnabled = cache == null ? cacheDefault == null || cacheDefault.enabled()
                        : cache.equalsIgnoreCase("true") || (!cache.equalsIgnoreCase("false")
                        && CacheSetting.parse(cache).enabled());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("multiModels '" + name + "': cache " + e.getMessage(), e);
            }
            return new MultiModelConfig(name, prefix, budget, cacheEnabled, pipeline, runners,
                    batching == null ? batchingDefault : batching.toConfig(), options);
        }
    }

    /** Where {@code s3://} sources are read from; see {@link S3Config}. */
    record S3(String endpoint, Boolean pathStyle, String region) {
        URI endpointUri() {
            if (endpoint == null) {
                return null;
            }
            try {
                return new URI(endpoint);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("s3.endpoint '" + endpoint + "' is not a URL: " + e.getMessage(), e);
            }
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
