package dev.sluice.cli;

import dev.sluice.core.config.MultiModelConfig;
import dev.sluice.core.config.S3Config;
import java.net.URI;
import picocli.CommandLine.Option;

/**
 * How multi-model sets hold their models, and where {@code s3://} sources are read from; shared by {@code serve} and
 * {@code host}. Null: not given (the config file or the default decides).
 */
final class MultiModelOptions {
    @Option(names = "--model-memory-budget", paramLabel = "SIZE", converter = ByteSize.class,
            description = "Multi-model: most bytes of loaded models at once, e.g. 512m or 2g; the least recently "
                    + "used are unloaded beyond it (default: sized from the machine's memory).")
    Long memoryBudget;

    @Option(names = "--model-cache", paramLabel = "enabled|disabled", converter = CacheSetting.Converter.class,
            description = "Multi-model: 'disabled' unloads a model after every call (SageMaker's "
                    + "ModelCacheSetting; default enabled).")
    CacheSetting cache;

    @Option(names = "--s3-endpoint", paramLabel = "URL",
            description = "S3-compatible endpoint for s3:// sources, e.g. http://localhost:9000 (default: AWS, "
                    + "or AWS_ENDPOINT_URL_S3).")
    URI s3Endpoint;

    @Option(names = "--s3-path-style", description = "Address S3 buckets in the path (MinIO and most S3 look-alikes).")
    Boolean s3PathStyle;

    @Option(names = "--s3-region", paramLabel = "REGION",
            description = "S3 signing region (default us-east-1).")
    String s3Region;

    long memoryBudgetOrDefault() {
        return memoryBudget != null ? memoryBudget : MultiModelConfig.DEFAULT_MEMORY_BUDGET;
    }

    boolean cacheEnabled() {
        return cache == null || cache.enabled();
    }

    /** The command line's S3 settings over the config file's ({@code file} may be null). */
    S3Config s3(ConfigFile.S3 file) {
        URI endpoint = s3Endpoint != null ? s3Endpoint : file == null ? null : file.endpointUri();
        boolean pathStyle = s3PathStyle != null ? s3PathStyle
                : file != null && file.pathStyle() != null && file.pathStyle();
        String region = s3Region != null ? s3Region : file == null ? null : file.region();
        return new S3Config(endpoint, pathStyle, region);
    }
}
