package dev.sluice.batch;

import com.jayway.jsonpath.InvalidPathException;
import com.jayway.jsonpath.JsonPath;
import dev.sluice.core.config.S3Config;
import java.time.Duration;
import java.util.Objects;

/**
 * One batch transform job, as {@code CreateTransformJob} describes it (SAGEMAKER-CONTRACT.md §7). Null arguments take
 * SageMaker's defaults; messages name the CLI option, since that is where users type the values.
 *
 * @param input                   a local file or directory, or {@code s3://bucket/prefix}
 * @param output                  a local directory or {@code s3://bucket/prefix}; {@code <relative path>.out} per input
 * @param contentType             sent as Content-Type; also decides JSON vs CSV for filters and join (null: none sent)
 * @param accept                  sent as Accept (null: none sent)
 * @param splitType               default {@link SplitType#NONE}
 * @param batchStrategy           default {@link BatchStrategy#MULTI_RECORD}
 * @param maxPayloadBytes         request body limit, default 6 MB, at most 100 MB (0 means the default)
 * @param maxConcurrentTransforms requests in flight across all files, default 1 (0 means the default)
 * @param compression             default {@link Compression#NONE}
 * @param inputFilter             JSONPath applied to each input record, default {@code $}
 * @param outputFilter            JSONPath applied to each (joined) output record, default {@code $}
 * @param joinSource              default {@link JoinSource#NONE}
 * @param assembleWith            default {@link AssembleWith#NONE}
 * @param invocationTimeout       per request, 1 s to 3600 s, default 600 s
 * @param maxRetries              per request, 0 to 3, default 3
 * @param s3                      where {@code s3://} locations live, default {@link S3Config#DEFAULT}
 */
public record TransformConfig(String input, String output, String contentType, String accept, SplitType splitType,
                              BatchStrategy batchStrategy, long maxPayloadBytes, int maxConcurrentTransforms,
                              Compression compression, String inputFilter, String outputFilter, JoinSource joinSource,
                              AssembleWith assembleWith, Duration invocationTimeout, int maxRetries, S3Config s3) {
    public static final long MB = 1024L * 1024L;
    /** SageMaker's default MaxPayloadInMB. */
    public static final long DEFAULT_MAX_PAYLOAD_BYTES = 6 * MB;
    public static final long MAX_PAYLOAD_BYTES = 100 * MB;
    public static final int DEFAULT_MAX_CONCURRENT_TRANSFORMS = 1;
    public static final Duration DEFAULT_INVOCATION_TIMEOUT = Duration.ofSeconds(600);
    public static final int DEFAULT_MAX_RETRIES = 3;
    public static final String DEFAULT_FILTER = "$";
    /** SageMaker's limit on InputFilter and OutputFilter. */
    public static final int MAX_FILTER_LENGTH = 63;

    public TransformConfig {
        requireLocation(input, "--input");
        requireLocation(output, "--output");
        splitType = splitType == null ? SplitType.NONE : splitType;
        batchStrategy = batchStrategy == null ? BatchStrategy.MULTI_RECORD : batchStrategy;
        maxPayloadBytes = maxPayloadBytes == 0 ? DEFAULT_MAX_PAYLOAD_BYTES : maxPayloadBytes;
        if (maxPayloadBytes < 1 || maxPayloadBytes > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("--max-payload-mb must be between 1 byte and 100 MB, got "
                    + maxPayloadBytes + " bytes");
        }
        maxConcurrentTransforms = maxConcurrentTransforms == 0 ? DEFAULT_MAX_CONCURRENT_TRANSFORMS : maxConcurrentTransforms;
        if (maxConcurrentTransforms < 1) {
            throw new IllegalArgumentException("--max-concurrent must be at least 1, got " + maxConcurrentTransforms);
        }
        // SageMaker: MaxConcurrentTransforms * MaxPayloadInMB must not exceed 100 (it bounds the memory in flight).
        if ((double) maxConcurrentTransforms * maxPayloadBytes > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("--max-concurrent × --max-payload-mb must not exceed 100 MB, got "
                    + maxConcurrentTransforms + " × " + String.format("%.2f", maxPayloadBytes / (double) MB) + " MB");
        }
        compression = compression == null ? Compression.NONE : compression;
        inputFilter = filter(inputFilter, "--input-filter");
        outputFilter = filter(outputFilter, "--output-filter");
        joinSource = joinSource == null ? JoinSource.NONE : joinSource;
        assembleWith = assembleWith == null ? AssembleWith.NONE : assembleWith;
        invocationTimeout = invocationTimeout == null ? DEFAULT_INVOCATION_TIMEOUT : invocationTimeout;
        if (invocationTimeout.compareTo(Duration.ofSeconds(1)) < 0 || invocationTimeout.compareTo(Duration.ofSeconds(3600)) > 0) {
            throw new IllegalArgumentException("--timeout-s must be between 1 and 3600 seconds, got "
                    + invocationTimeout.toMillis() / 1000.0);
        }
        if (maxRetries < 0 || maxRetries > 3) {
            throw new IllegalArgumentException("--max-retries must be between 0 and 3, got " + maxRetries);
        }
        s3 = s3 == null ? S3Config.DEFAULT : s3;
        boolean perRecord = joinSource == JoinSource.INPUT || !outputFilter.equals(DEFAULT_FILTER);
        // A MultiRecord response is cut back into per-record outputs by lines; other framings give no such cut.
        if (perRecord && batchStrategy == BatchStrategy.MULTI_RECORD && splitType != SplitType.LINE
                && splitType != SplitType.NONE) {
            throw new IllegalArgumentException("--join-source Input and --output-filter need --split-type Line (or "
                    + "--batch-strategy SingleRecord) with MultiRecord batches, got --split-type " + splitType);
        }
    }

    /** SageMaker's defaults for everything but the locations. */
    public static TransformConfig defaults(String input, String output) {
        return new TransformConfig(input, output, null, null, null, null, 0, 0, null, null, null, null, null, null,
                DEFAULT_MAX_RETRIES, null);
    }

    public TransformConfig withContentType(String newContentType, String newAccept) {
        return new TransformConfig(input, output, newContentType, newAccept, splitType, batchStrategy, maxPayloadBytes,
                maxConcurrentTransforms, compression, inputFilter, outputFilter, joinSource, assembleWith,
                invocationTimeout, maxRetries, s3);
    }

    public TransformConfig withSplit(SplitType newSplitType, BatchStrategy newBatchStrategy) {
        return new TransformConfig(input, output, contentType, accept, newSplitType, newBatchStrategy, maxPayloadBytes,
                maxConcurrentTransforms, compression, inputFilter, outputFilter, joinSource, assembleWith,
                invocationTimeout, maxRetries, s3);
    }

    public TransformConfig withLimits(long newMaxPayloadBytes, int newMaxConcurrentTransforms) {
        return new TransformConfig(input, output, contentType, accept, splitType, batchStrategy, newMaxPayloadBytes,
                newMaxConcurrentTransforms, compression, inputFilter, outputFilter, joinSource, assembleWith,
                invocationTimeout, maxRetries, s3);
    }

    public TransformConfig withCompression(Compression newCompression) {
        return new TransformConfig(input, output, contentType, accept, splitType, batchStrategy, maxPayloadBytes,
                maxConcurrentTransforms, newCompression, inputFilter, outputFilter, joinSource, assembleWith,
                invocationTimeout, maxRetries, s3);
    }

    public TransformConfig withDataProcessing(String newInputFilter, String newOutputFilter, JoinSource newJoinSource,
                                              AssembleWith newAssembleWith) {
        return new TransformConfig(input, output, contentType, accept, splitType, batchStrategy, maxPayloadBytes,
                maxConcurrentTransforms, compression, newInputFilter, newOutputFilter, newJoinSource, newAssembleWith,
                invocationTimeout, maxRetries, s3);
    }

    public TransformConfig withInvocation(Duration newTimeout, int newMaxRetries) {
        return new TransformConfig(input, output, contentType, accept, splitType, batchStrategy, maxPayloadBytes,
                maxConcurrentTransforms, compression, inputFilter, outputFilter, joinSource, assembleWith,
                newTimeout, newMaxRetries, s3);
    }

    public TransformConfig withS3(S3Config newS3) {
        return new TransformConfig(input, output, contentType, accept, splitType, batchStrategy, maxPayloadBytes,
                maxConcurrentTransforms, compression, inputFilter, outputFilter, joinSource, assembleWith,
                invocationTimeout, maxRetries, newS3);
    }

    private static void requireLocation(String location, String option) {
        if (location == null || location.isBlank()) {
            throw new IllegalArgumentException(option + " must name a local path or an s3://bucket/prefix");
        }
        if (location.regionMatches(true, 0, "s3://", 0, 5)) {
            String rest = location.substring(5);
            if (rest.isEmpty() || rest.startsWith("/")) {
                throw new IllegalArgumentException(option + " must be s3://bucket[/prefix], got '" + location + "'");
            }
        }
    }

    private static String filter(String path, String option) {
        if (path == null || path.isBlank()) {
            return DEFAULT_FILTER;
        }
        String trimmed = path.trim();
        if (trimmed.length() > MAX_FILTER_LENGTH) {
            throw new IllegalArgumentException(option + " must be at most " + MAX_FILTER_LENGTH
                    + " characters (SageMaker's limit), got " + trimmed.length());
        }
        if (!trimmed.startsWith("$")) {
            throw new IllegalArgumentException(option + " must be a JSONPath starting with '$', got '" + trimmed + "'");
        }
        try {
            JsonPath.compile(trimmed);
        } catch (InvalidPathException | IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " is not a valid JSONPath: '" + trimmed + "': " + e.getMessage(), e);
        }
        return trimmed;
    }
}
