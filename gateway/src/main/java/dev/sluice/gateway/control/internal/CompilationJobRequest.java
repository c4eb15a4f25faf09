package dev.sluice.gateway.control.internal;

import static dev.sluice.gateway.control.internal.JobRequests.choice;
import static dev.sluice.gateway.control.internal.JobRequests.enumViolation;
import static dev.sluice.gateway.control.internal.JobRequests.integer;
import static dev.sluice.gateway.control.internal.JobRequests.invalid;
import static dev.sluice.gateway.control.internal.JobRequests.member;
import static dev.sluice.gateway.control.internal.JobRequests.object;
import static dev.sluice.gateway.control.internal.JobRequests.requireObject;
import static dev.sluice.gateway.control.internal.JobRequests.string;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.core.hosting.HostingShapes;
import dev.sluice.neo.CompileRequest;
import dev.sluice.neo.Targets;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A {@code CreateCompilationJob} request (SAGEMAKER-CONTRACT.md §8) checked field by field before anything runs: every
 * mistake is a ValidationException naming the SageMaker field. The compiler's own checks (target, compiler options,
 * input shapes) run here too, on a request that names no model yet, so a bad option never becomes a FAILED job.
 *
 * <p>Accepted and ignored: {@code RoleArn} (checked for shape only; Sluice reads and writes with the server's own S3
 * settings), {@code InputConfig.FrameworkVersion}, {@code OutputConfig.KmsKeyId}, {@code VpcConfig}, {@code Tags},
 * {@code StoppingCondition.MaxWaitTimeInSeconds}/{@code MaxPendingTimeInSeconds}, and the TensorRT options
 * {@code gpu-code}, {@code trt-ver}, {@code cuda-ver} that SageMaker requires for NVIDIA targets (Sluice's GPU
 * artifacts run on ONNX Runtime's CUDA provider, which has no use for them).
 *
 * @param jobName          CompilationJobName
 * @param input            InputConfig.S3Uri: {@code s3://bucket/key}, or (a Sluice extension) a local path; a
 *                         {@code file:} URL arrives here as a path
 * @param inputShapes      InputConfig.DataInputConfig, parsed
 * @param output           OutputConfig.S3OutputLocation: {@code s3://bucket[/prefix]} or a local directory (path)
 * @param outputIsFileUrl  whether S3OutputLocation was a {@code file:} URL (ModelArtifacts answers in the same form)
 * @param compilerTarget   what the compiler's {@code --target} gets: the device, or the platform TargetPlatform maps to
 * @param artifactSuffix   what SageMaker appends to the model's name: the TargetDevice ({@code ml_c5}) or
 *                         {@code OS_ARCH[_ACCELERATOR]} ({@code LINUX_X86_64})
 * @param compilerOptions  OutputConfig.CompilerOptions, parsed, without the ignored TensorRT keys
 * @param maxRuntimeSeconds StoppingCondition.MaxRuntimeInSeconds, or its default
 */
public record CompilationJobRequest(String jobName, String input, Map<String, long[]> inputShapes, String output,
                                    boolean outputIsFileUrl, String compilerTarget, String artifactSuffix,
                                    Map<String, String> compilerOptions, int maxRuntimeSeconds) {

    /** SageMaker's {@code InputConfig.Framework} values; Sluice compiles ONNX only. */
    static final List<String> FRAMEWORKS = List.of("TENSORFLOW", "KERAS", "MXNET", "ONNX", "PYTORCH", "XGBOOST",
            "TFLITE", "DARKNET", "SKLEARN");
    static final String SUPPORTED_FRAMEWORK = "ONNX";
    static final List<String> PLATFORM_OS = List.of("ANDROID", "LINUX");
    static final List<String> PLATFORM_ARCH = List.of("X86_64", "X86", "ARM64", "ARM_EABI", "ARM_EABIHF");
    static final List<String> PLATFORM_ACCELERATOR = List.of("INTEL_GRAPHICS", "MALI", "NVIDIA");
    /** SageMaker's StoppingCondition: "The default value is 1 day. The maximum value is 28 days." */
    static final int DEFAULT_MAX_RUNTIME_SECONDS = 86_400;
    static final int MAX_MAX_RUNTIME_SECONDS = 28 * 86_400;
    /** CompilerOptions SageMaker requires for NVIDIA targets (TensorRT, CUDA versions); meaningless to ONNX Runtime. */
    static final List<String> IGNORED_OPTIONS = List.of("gpu-code", "trt-ver", "cuda-ver");
    private static final int MAX_URI_LENGTH = 1024;

    public static CompilationJobRequest parse(JsonNode request) {
        String jobName = HostingShapes.requireName(request, "CompilationJobName");
        JobRequests.roleArn(request);
        if (string(request, "ModelPackageVersionArn") != null) {
            throw invalid("ModelPackageVersionArn is not supported by Sluice: it has no model registry. Give the model"
                    + " in InputConfig.S3Uri.");
        }

        JsonNode inputConfig = requireObject(request, "InputConfig");
        String input = location(inputConfig, "InputConfig.S3Uri");
        String framework = string(inputConfig, "InputConfig.Framework");
        if (framework == null) {
            throw invalid("InputConfig.Framework is required (Sluice compiles " + SUPPORTED_FRAMEWORK + " models).");
        }
        if (!FRAMEWORKS.contains(framework)) {
            throw enumViolation(framework, "InputConfig.Framework", FRAMEWORKS);
        }
        if (!framework.equals(SUPPORTED_FRAMEWORK)) {
            throw invalid("InputConfig.Framework " + framework + " is not supported by Sluice: it compiles "
                    + SUPPORTED_FRAMEWORK + " models only (Framework " + SUPPORTED_FRAMEWORK + "). Export the model to"
                    + " ONNX first (torch.onnx.export, tf2onnx, skl2onnx, ...).");
        }
        string(inputConfig, "InputConfig.FrameworkVersion");
        Map<String, long[]> shapes;
        try {
            shapes = CompileRequest.parseInputShapes(string(inputConfig, "InputConfig.DataInputConfig"));
        } catch (IllegalArgumentException e) {
            throw invalid("InputConfig.DataInputConfig: " + e.getMessage());
        }

        JsonNode outputConfig = requireObject(request, "OutputConfig");
        String rawOutput = string(outputConfig, "OutputConfig.S3OutputLocation");
        String output = location(outputConfig, "OutputConfig.S3OutputLocation");
        String device = string(outputConfig, "OutputConfig.TargetDevice");
        JsonNode platform = object(outputConfig, "OutputConfig.TargetPlatform");
        if ((device == null) == (platform == null)) {
            throw invalid("Specify exactly one of OutputConfig.TargetDevice and OutputConfig.TargetPlatform.");
        }
        String compilerTarget;
        String suffix;
        if (device != null) {
            try {
                compilerTarget = Targets.resolve(device).name();
            } catch (IllegalArgumentException e) {
                throw invalid("OutputConfig.TargetDevice: " + e.getMessage());
            }
            suffix = device.trim();
        } else {
            String os = choice(platform, "OutputConfig.TargetPlatform.Os", PLATFORM_OS, true);
            String arch = choice(platform, "OutputConfig.TargetPlatform.Arch", PLATFORM_ARCH, true);
            String accelerator = choice(platform, "OutputConfig.TargetPlatform.Accelerator", PLATFORM_ACCELERATOR,
                    false);
            compilerTarget = platform(os, arch, accelerator);
            suffix = os + "_" + arch + (accelerator == null ? "" : "_" + accelerator);
        }
        Map<String, String> options;
        try {
            options = new LinkedHashMap<>(CompileRequest.parseCompilerOptions(string(outputConfig,
                    "OutputConfig.CompilerOptions")));
        } catch (IllegalArgumentException e) {
            throw invalid("OutputConfig.CompilerOptions: " + e.getMessage());
        }
        options.keySet().removeIf(key -> IGNORED_OPTIONS.contains(key.trim().toLowerCase(Locale.ROOT)));
        string(outputConfig, "OutputConfig.KmsKeyId");
        try {
            // The compiler checks the options against the target when a request is built; no model is read here.
            new CompileRequest(Path.of("model.onnx"), compilerTarget, shapes, options, Path.of("check.tar.gz"), null,
                    null);
        } catch (IllegalArgumentException e) {
            throw invalid("OutputConfig.CompilerOptions: " + e.getMessage());
        }

        JsonNode stopping = object(request, "StoppingCondition");
        Integer maxRuntime = integer(stopping, "StoppingCondition.MaxRuntimeInSeconds", 1, MAX_MAX_RUNTIME_SECONDS);
        integer(stopping, "StoppingCondition.MaxWaitTimeInSeconds", 1, Integer.MAX_VALUE);
        integer(stopping, "StoppingCondition.MaxPendingTimeInSeconds", 1, Integer.MAX_VALUE);
        object(request, "VpcConfig");
        return new CompilationJobRequest(jobName, input, shapes, output, rawOutput.startsWith("file:"), compilerTarget,
                suffix, Map.copyOf(options), maxRuntime == null ? DEFAULT_MAX_RUNTIME_SECONDS : maxRuntime);
    }

    /** SageMaker's TargetPlatform as the compiler's platform names (see {@link Targets}). */
    static String platform(String os, String arch, String accelerator) {
        String key = os + "/" + arch + (accelerator == null ? "" : "/" + accelerator);
        return switch (key) {
            case "LINUX/X86_64" -> "linux/x86_64";
            case "LINUX/X86_64/NVIDIA" -> "linux/x86_64/nvidia";
            case "LINUX/ARM64" -> "linux/arm64";
            default -> throw invalid("OutputConfig.TargetPlatform {Os: " + os + ", Arch: " + arch
                    + (accelerator == null ? "" : ", Accelerator: " + accelerator) + "} is not supported by Sluice: it"
                    + " builds for ONNX Runtime's CPU and CUDA providers only. Supported: {Os: LINUX, Arch: X86_64},"
                    + " {Os: LINUX, Arch: X86_64, Accelerator: NVIDIA}, {Os: LINUX, Arch: ARM64}.");
        };
    }

    /** The model's name as SageMaker derives it: the last segment of S3Uri without {@code .tar.gz}/{@code .onnx}. */
    public String modelBaseName() {
        String s = input.replace('\\', '/');
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        String name = s.substring(s.lastIndexOf('/') + 1);
        String lower = name.toLowerCase(Locale.ROOT);
        for (String extension : List.of(".tar.gz", ".tgz", ".tar", ".onnx")) {
            if (lower.endsWith(extension) && lower.length() > extension.length()) {
                return name.substring(0, name.length() - extension.length());
            }
        }
        return name.isEmpty() ? "model" : name;
    }

    /**
     * SageMaker Neo writes {@code <S3OutputLocation>/<model name>-<target>.tar.gz}: {@code model-ml_c5.tar.gz} for
     * {@code model.tar.gz} and TargetDevice ml_c5, {@code model-LINUX_X86_64.tar.gz} for a TargetPlatform.
     */
    public String artifactFileName() {
        return modelBaseName() + "-" + artifactSuffix + ".tar.gz";
    }

    /** Where the artifact is published, in the form S3OutputLocation was given (s3:// URL, file: URL or path). */
    public String artifactLocation() {
        if (isS3(output)) {
            String base = output;
            while (base.endsWith("/")) {
                base = base.substring(0, base.length() - 1);
            }
            return base + "/" + artifactFileName();
        }
        Path file = Path.of(output).toAbsolutePath().normalize().resolve(artifactFileName());
        return outputIsFileUrl ? file.toUri().toString() : file.toString();
    }

    static boolean isS3(String location) {
        return location.regionMatches(true, 0, "s3://", 0, 5);
    }

    /** {@code s3://bucket/key}, or (a Sluice extension) a local path or {@code file:} URL, which becomes a path. */
    private static String location(JsonNode parent, String field) {
        String value = string(parent, field);
        if (value == null || value.isBlank()) {
            throw invalid(field + " is required.");
        }
        if (value.length() > MAX_URI_LENGTH) {
            throw invalid("Value at '" + field + "' failed to satisfy constraint: Member must have length less than"
                    + " or equal to " + MAX_URI_LENGTH + ".");
        }
        if (isS3(value)) {
            if (value.length() == 5 || value.charAt(5) == '/') {
                throw invalid(field + " must be s3://bucket/key or a local path, got '" + value + "'.");
            }
            return "s3://" + value.substring(5);
        }
        if (value.startsWith("file:")) {
            try {
                return Path.of(URI.create(value)).toString();
            } catch (IllegalArgumentException e) {
                throw invalid(field + " is not a valid file: URL: '" + value + "'.");
            }
        }
        if (value.contains("://")) {
            throw invalid(field + " must be s3://bucket/key, a local path or a file: URL, got '" + value + "'"
                    + (value.startsWith("https://") ? " (https:// S3 URLs are not supported; use s3://)." : "."));
        }
        return value;
    }
}
