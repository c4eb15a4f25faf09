package dev.sluice.gateway.control.internal;

import static dev.sluice.gateway.control.internal.JobRequests.integer;
import static dev.sluice.gateway.control.internal.JobRequests.invalid;
import static dev.sluice.gateway.control.internal.JobRequests.member;
import static dev.sluice.gateway.control.internal.JobRequests.object;
import static dev.sluice.gateway.control.internal.JobRequests.requireObject;
import static dev.sluice.gateway.control.internal.JobRequests.string;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.batch.AssembleWith;
import dev.sluice.batch.BatchStrategy;
import dev.sluice.batch.Compression;
import dev.sluice.batch.JoinSource;
import dev.sluice.batch.SplitType;
import dev.sluice.batch.TransformConfig;
import dev.sluice.core.config.S3Config;
import dev.sluice.core.hosting.HostingShapes;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * A {@code CreateTransformJob} request (SAGEMAKER-CONTRACT.md §7) checked field by field: every mistake is a
 * ValidationException naming the SageMaker field, not the CLI option the engine's own messages name.
 * {@code TransformResources} is accepted and ignored: the job runs on an in-process instance of the model.
 */
public record TransformJobRequest(String jobName, String modelName, Integer maxConcurrentTransforms,
                                  Integer maxPayloadInMb, BatchStrategy batchStrategy, Integer timeoutSeconds,
                                  Integer maxRetries, String input, String contentType, Compression compression,
                                  SplitType splitType, String output, String accept, AssembleWith assembleWith,
                                  String inputFilter, String outputFilter, JoinSource joinSource) {

    /** SageMaker's MaxPayloadInMB limit, and the limit of MaxConcurrentTransforms × MaxPayloadInMB. */
    static final int MAX_PAYLOAD_MB = 100;

    public static TransformJobRequest parse(JsonNode request) {
        String jobName = HostingShapes.requireName(request, "TransformJobName");
        String modelName = HostingShapes.requireName(request, "ModelName");
        Integer concurrent = integer(request, "MaxConcurrentTransforms", 0, Integer.MAX_VALUE);
        Integer payload = integer(request, "MaxPayloadInMB", 0, MAX_PAYLOAD_MB);
        BatchStrategy strategy = choice(request, "BatchStrategy", List.of("SingleRecord", "MultiRecord"),
                BatchStrategy::parse);
        JsonNode client = object(request, "ModelClientConfig");
        Integer timeout = integer(client, "ModelClientConfig.InvocationsTimeoutInSeconds", 1, 3600);
        Integer retries = integer(client, "ModelClientConfig.InvocationsMaxRetries", 0, 3);

        JsonNode transformInput = requireObject(request, "TransformInput");
        JsonNode s3Source = requireObject(requireObject(transformInput, "TransformInput.DataSource"),
                "TransformInput.DataSource.S3DataSource");
        String dataType = string(s3Source, "TransformInput.DataSource.S3DataSource.S3DataType");
        if (dataType == null) {
            throw invalid("TransformInput.DataSource.S3DataSource.S3DataType is required (S3Prefix).");
        }
        if (dataType.equals("ManifestFile") || dataType.equals("AugmentedManifestFile")) {
            throw invalid("TransformInput.DataSource.S3DataSource.S3DataType " + dataType
                    + " is not supported by Sluice yet; use S3Prefix.");
        }
        if (!dataType.equals("S3Prefix")) {
            throw invalid("TransformInput.DataSource.S3DataSource.S3DataType must be one of [S3Prefix, ManifestFile], "
                    + "got '" + dataType + "'.");
        }
        String input = location(s3Source, "TransformInput.DataSource.S3DataSource.S3Uri");
        String contentType = string(transformInput, "TransformInput.ContentType");
        Compression compression = choice(transformInput, "TransformInput.CompressionType", List.of("None", "Gzip"),
                Compression::parse);
        SplitType split = choice(transformInput, "TransformInput.SplitType",
                List.of("None", "Line", "RecordIO", "TFRecord"), SplitType::parse);

        JsonNode transformOutput = requireObject(request, "TransformOutput");
        String output = location(transformOutput, "TransformOutput.S3OutputPath");
        String accept = string(transformOutput, "TransformOutput.Accept");
        AssembleWith assemble = choice(transformOutput, "TransformOutput.AssembleWith", List.of("None", "Line"),
                AssembleWith::parse);

        JsonNode processing = object(request, "DataProcessing");
        String inputFilter = filter(processing, "DataProcessing.InputFilter");
        String outputFilter = filter(processing, "DataProcessing.OutputFilter");
        JoinSource join = choice(processing, "DataProcessing.JoinSource", List.of("Input", "None"), JoinSource::parse);
        object(request, "TransformResources");

        int effectiveConcurrent = concurrent == null || concurrent == 0 ? 1 : concurrent;
        int effectivePayload = payload == null || payload == 0 ? 6 : payload;
        if ((long) effectiveConcurrent * effectivePayload > MAX_PAYLOAD_MB) {
            throw invalid("MaxConcurrentTransforms × MaxPayloadInMB must not exceed " + MAX_PAYLOAD_MB + " (got "
                    + effectiveConcurrent + " × " + effectivePayload + ").");
        }
        return new TransformJobRequest(jobName, modelName, concurrent, payload, strategy, timeout, retries, input,
                contentType, compression, split, output, accept, assemble, inputFilter, outputFilter, join);
    }

    /**
     * The engine's configuration. {@code defaultConcurrency} stands in for the container's
     * {@code /execution-parameters} when the request leaves MaxConcurrentTransforms out (SageMaker's precedence).
     */
    public TransformConfig toConfig(S3Config s3, int defaultConcurrency) {
        int concurrent = maxConcurrentTransforms != null && maxConcurrentTransforms > 0 ? maxConcurrentTransforms
                : defaultConcurrency;
        long payloadBytes = (long) (maxPayloadInMb != null && maxPayloadInMb > 0 ? maxPayloadInMb : 6) << 20;
        // The instance's answer must respect MaxConcurrentTransforms × MaxPayloadInMB ≤ 100 too.
        concurrent = (int) Math.max(1, Math.min(concurrent, (TransformConfig.MAX_PAYLOAD_BYTES / payloadBytes)));
        try {
            return new TransformConfig(input, output, contentType, accept, splitType, batchStrategy, payloadBytes,
                    concurrent, compression, inputFilter, outputFilter, joinSource, assembleWith,
                    timeoutSeconds == null ? null : Duration.ofSeconds(timeoutSeconds),
                    maxRetries == null ? TransformConfig.DEFAULT_MAX_RETRIES : maxRetries, s3);
        } catch (IllegalArgumentException e) {
            // The engine names CLI options; say which request fields they are.
            throw invalid(e.getMessage().replace("--split-type", "TransformInput.SplitType")
                    .replace("--batch-strategy", "BatchStrategy").replace("--join-source", "DataProcessing.JoinSource")
                    .replace("--output-filter", "DataProcessing.OutputFilter")
                    .replace("--input-filter", "DataProcessing.InputFilter")
                    .replace("--max-concurrent", "MaxConcurrentTransforms").replace("--max-payload-mb", "MaxPayloadInMB")
                    .replace("--input", "TransformInput.DataSource.S3DataSource.S3Uri")
                    .replace("--output", "TransformOutput.S3OutputPath"));
        }
    }

    /**
     * {@code s3://bucket/prefix}, or (a Sluice extension) a local path or {@code file:} URI, which runs the job on
     * this machine's disk.
     */
    private static String location(JsonNode parent, String field) {
        String value = string(parent, field);
        if (value == null || value.isBlank()) {
            throw invalid(field + " is required.");
        }
        if (value.regionMatches(true, 0, "s3://", 0, 5)) {
            if (value.length() == 5 || value.charAt(5) == '/') {
                throw invalid(field + " must be s3://bucket[/prefix] or a local path, got '" + value + "'.");
            }
            return value;
        }
        if (value.startsWith("file:")) {
            try {
                return Path.of(URI.create(value)).toString();
            } catch (IllegalArgumentException e) {
                throw invalid(field + " is not a valid file: URI: '" + value + "'.");
            }
        }
        if (value.contains("://")) {
            throw invalid(field + " must be s3://bucket[/prefix] or a local path, got '" + value + "'.");
        }
        return value;
    }

    private static String filter(JsonNode parent, String field) {
        String value = string(parent, field);
        if (value != null && value.length() > 63) {
            throw invalid(field + " must be at most 63 characters, got " + value.length() + ".");
        }
        return value;
    }

    private static <T> T choice(JsonNode parent, String field, List<String> allowed, Function<String, T> parse) {
        String value = string(parent, field);
        if (value == null) {
            return null;
        }
        if (!allowed.contains(value)) {
            throw invalid("Value '" + value + "' at '" + field + "' failed to satisfy constraint: Member must satisfy "
                    + "enum value set: " + allowed + ".");
        }
        return parse.apply(value);
    }

}
