package dev.sluice.core.hosting;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code ProductionVariant.ServerlessConfig}.
 *
 * @param memorySizeInMb          {@code MemorySizeInMB}: 1024 to 6144 in steps of 1024
 * @param maxConcurrency          concurrent invocations before requests are throttled, 1–200
 * @param provisionedConcurrency  instances kept warm, 1–200 and at most {@code maxConcurrency}; null for none
 */
public record ServerlessConfig(int memorySizeInMb, int maxConcurrency, Integer provisionedConcurrency) {
    public static final int MIN_MEMORY_MB = 1024;
    public static final int MAX_MEMORY_MB = 6144;
    public static final int MEMORY_STEP_MB = 1024;
    public static final int MAX_CONCURRENCY = 200;

    public ServerlessConfig {
        validate("", memorySizeInMb, maxConcurrency, provisionedConcurrency);
    }

    static ServerlessConfig read(JsonNode node, String at) {
        Integer memory = Check.required(at + "MemorySizeInMB", Json.integer(node, at, "MemorySizeInMB"));
        Integer maxConcurrency = Check.required(at + "MaxConcurrency", Json.integer(node, at, "MaxConcurrency"));
        Integer provisioned = Json.integer(node, at, "ProvisionedConcurrency");
        validate(at, memory, maxConcurrency, provisioned);
        return new ServerlessConfig(memory, maxConcurrency, provisioned);
    }

    private static void validate(String at, int memorySizeInMb, int maxConcurrency, Integer provisionedConcurrency) {
        Check.range(at + "MemorySizeInMB", memorySizeInMb, MIN_MEMORY_MB, MAX_MEMORY_MB);
        // SageMaker sells serverless memory in whole GiB only.
        if (memorySizeInMb % MEMORY_STEP_MB != 0) {
            throw Check.violation(at + "MemorySizeInMB", memorySizeInMb,
                    "Member must be a multiple of " + MEMORY_STEP_MB + " (1024, 2048, 3072, 4096, 5120 or 6144)");
        }
        Check.range(at + "MaxConcurrency", maxConcurrency, 1, MAX_CONCURRENCY);
        if (provisionedConcurrency != null) {
            Check.range(at + "ProvisionedConcurrency", provisionedConcurrency, 1, MAX_CONCURRENCY);
            if (provisionedConcurrency > maxConcurrency) {
                throw Check.violation(at + "ProvisionedConcurrency", provisionedConcurrency,
                        "Member must have value less than or equal to " + at + "MaxConcurrency (" + maxConcurrency + ")");
            }
        }
    }
}
