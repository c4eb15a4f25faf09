package dev.sluice.neo;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.sluice.core.artifact.ArtifactManifest;
import dev.sluice.core.artifact.ArtifactModel;
import dev.sluice.core.artifact.ArtifactRuntime;
import dev.sluice.core.artifact.ArtifactTarget;
import dev.sluice.core.artifact.HostCapabilities;
import dev.sluice.neo.internal.AccuracyGate;
import dev.sluice.neo.internal.ArtifactWriter;
import dev.sluice.neo.internal.DeadCodeElimination;
import dev.sluice.neo.internal.Fp16Conversion;
import dev.sluice.neo.internal.Int8Quantisation;
import dev.sluice.neo.internal.LatencyProbe;
import dev.sluice.neo.internal.ModelSource;
import dev.sluice.neo.internal.Onnx;
import dev.sluice.neo.internal.OpsetCheck;
import dev.sluice.neo.internal.OrtSupport;
import dev.sluice.neo.internal.SampleInputs;
import dev.sluice.neo.internal.ShapeSpecialisation;
import dev.sluice.neo.internal.SkipLayerNormFusion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;

/** One run of the compiler: the passes in order, the gate, the fallback, the artifact. */
final class Compilation {
    static final String MODEL_FILE = "model.onnx";
    static final String REPORT_JSON = "compile-report.json";
    static final String REPORT_TEXT = "compile-report.txt";
    static final int GATE_BATCHES = 6;
    static final long SAMPLE_SEED = 20_240_611L;
    static final long DEFAULT_LATENCY_BUDGET_MILLIS = 1500;
    /** Contrib operators ONNX Runtime's CPU fusions produce that the CUDA provider also implements. */
    static final Set<String> CUDA_CONTRIB_OPS = Set.of("Gelu", "BiasGelu", "FastGelu", "QuickGelu", "FusedMatMul",
            "SkipLayerNormalization", "SimplifiedLayerNormalization", "SkipSimplifiedLayerNormalization", "Attention",
            "MultiHeadAttention", "EmbedLayerNormalization", "BiasSoftmax", "FusedConv", "BiasAdd");

    private final CompileRequest request;
    private final CompileListener listener;
    private final Path work;
    private final Target target;
    private final CompilerOptions options;
    private final HostCapabilities host;
    private final List<CompileReport.Pass> passes = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final int gateThreads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

    Compilation(CompileRequest request, CompileListener listener, Path work) {
        this.request = request;
        this.listener = listener;
        this.work = work;
        this.target = request.resolvedTarget();
        this.options = request.options();
        this.host = HostCapabilities.detect();
    }

    /** What one dtype produced: the compiled model, its passes and its gate. */
    private record Attempt(String dtype, ModelProto model, byte[] bytes, List<CompileReport.Pass> passes,
                           CompileReport.Accuracy accuracy, String offlineLevel, long gateMillis) {
    }

    CompileResult run() throws IOException, OrtException {
        stage("reading " + request.model());
        ModelSource source = ModelSource.resolve(request.model(), work);
        ModelProto raw = Onnx.parse(source.onnx());
        source = source.withoutExternalData(Onnx.externalDataLocations(raw));
        ModelProto original = Onnx.inlineExternalData(raw, source.onnx().toAbsolutePath().getParent());
        String sourceSha = Onnx.sha256(source.onnx());
        byte[] originalBytes = original.toByteArray();
        CompileReport.ModelStats before = stats(original, originalBytes.length);

        stage("checking opset");
        long t = System.nanoTime();
        String opset = OpsetCheck.check(original);
        record(passes, "opset-check", opset, original, original, t);

        stage("specialising input shapes");
        t = System.nanoTime();
        ShapeSpecialisation.Result shaped = ShapeSpecialisation.apply(original, request.inputShapes());
        record(passes, "shape-specialisation", shaped.detail(), original, shaped.model(), t);

        stage("removing unused nodes and initializers");
        t = System.nanoTime();
        DeadCodeElimination.Result cleaned = DeadCodeElimination.apply(shaped.model());
        record(passes, "dead-code-elimination", cleaned.detail(), shaped.model(), cleaned.model(), t);
        ModelProto prepared = cleaned.model();

        List<Map<String, SampleInputs.Sample>> samples;
        String samplesDescription;
        if (request.samples() != null) {
            samples = SampleInputs.read(request.samples(), prepared);
            samplesDescription = samples.size() + " sample batch(es) from " + request.samples();
        } else {
            List<Map<String, SampleInputs.Sample>> generated;
            try {
                generated = SampleInputs.generate(prepared, GATE_BATCHES, SAMPLE_SEED);
            } catch (IllegalArgumentException e) {
                // Inputs the generator cannot fill (strings, maps): compile anyway, without a gate.
                notes.add("accuracy gate skipped: " + e.getMessage());
                generated = List.of();
            }
            samples = generated;
            samplesDescription = samples.isEmpty() ? "" : samples.size() + " generated sample batches ("
                    + SampleInputs.describe(samples.get(0)) + ", ...)";
        }
        Map<String, String> kinds = AccuracyGate.outputKinds(original);

        Attempt attempt = attempt(options.dtype(), prepared, originalBytes, samples, samplesDescription, kinds);
        // A default reduced precision that fails the gate falls back to float32; an explicit one fails.
        if (!attempt.accuracy().passed() && !attempt.accuracy().status().equals("skipped")
                && !attempt.dtype().equals(Targets.DTYPE_FLOAT32) && !options.dtypeExplicit()) {
            notes.add(attempt.dtype() + " failed the accuracy gate (" + attempt.accuracy().reason() + "); fell back to"
                    + " float32. Ask for dtype " + attempt.dtype() + " explicitly to see the failure as an error.");
            attempt = attempt(Targets.DTYPE_FLOAT32, prepared, originalBytes, samples, samplesDescription, kinds);
        }
        List<CompileReport.Pass> allPasses = new ArrayList<>(passes);
        allPasses.addAll(attempt.passes());
        allPasses.add(new CompileReport.Pass("accuracy-gate", attempt.accuracy().status()
                + (attempt.accuracy().reason().isEmpty() ? "" : ": " + attempt.accuracy().reason()),
                attempt.model().getGraph().getNodeCount(), attempt.model().getGraph().getNodeCount(),
                attempt.gateMillis()));
        CompileReport.ModelStats after = stats(attempt.model(), attempt.bytes().length);

        ArtifactManifest manifest = manifest(attempt, sourceSha, allPasses);
        CompileReport.Latency latency = latency(manifest, originalBytes, attempt, samples);
        CompileReport report = new CompileReport(target.name(), target.platform(), attempt.dtype(), allPasses, before,
                after, attempt.accuracy(), latency, notes);
        if (attempt.accuracy().status().equals("failed")) {
            throw new CompilationFailedException("the compiled model (" + attempt.dtype() + ") is outside the accuracy"
                    + " tolerance: " + attempt.accuracy().reason(), report, null);
        }
        checkCancelled();

        stage("writing " + request.output());
        ArtifactWriter writer = new ArtifactWriter()
                .add(MODEL_FILE, attempt.bytes())
                .add(ArtifactManifest.FILE_NAME, manifest.toJson().getBytes(StandardCharsets.UTF_8))
                .add(REPORT_JSON, report.toJson().getBytes(StandardCharsets.UTF_8))
                .add(REPORT_TEXT, report.toText().getBytes(StandardCharsets.UTF_8));
        Set<String> reserved = Set.of(MODEL_FILE, ArtifactManifest.FILE_NAME, REPORT_JSON, REPORT_TEXT);
        for (Path carried : source.carried()) {
            String name = carried.toString().replace('\\', '/');
            if (!reserved.contains(name)) {
                writer.add(name, source.root().resolve(carried));
            }
        }
        writer.writeTo(request.output());
        return new CompileResult(request.output(), Onnx.sha256(request.output()), report);
    }

    private Attempt attempt(String dtype, ModelProto prepared, byte[] originalBytes,
                            List<Map<String, SampleInputs.Sample>> samples, String samplesDescription,
                            Map<String, String> kinds) throws IOException, OrtException {
        List<CompileReport.Pass> steps = new ArrayList<>();
        ModelProto model = prepared;
        long t;
        if (dtype.equals(Targets.DTYPE_INT8)) {
            stage("int8 dynamic quantisation");
            t = System.nanoTime();
            Int8Quantisation.Result q = Int8Quantisation.apply(model);
            record(steps, "int8-dynamic-quantisation", q.detail(), model, q.model(), t);
            if (q.weightBytesBefore() == 0) {
                notes.add("nothing to quantise (" + q.detail() + "): the artifact stays float32");
                dtype = Targets.DTYPE_FLOAT32;
            }
            model = q.model();
        }

        stage("ONNX Runtime offline graph optimisation");
        t = System.nanoTime();
        String level;
        ModelProto optimised;
        String detail;
        if (target.gpu()) {
            level = "extended";
            optimised = optimise(model, level);
            Set<String> foreign = contribOpsOutside(optimised, model);
            if (!foreign.isEmpty()) {
                level = "basic";
                optimised = optimise(model, level);
                detail = "ONNX Runtime " + OrtSupport.version() + " basic (constant folding, redundant nodes): its"
                        + " extended fusions made " + foreign + ", which the CUDA provider lacks";
            } else {
                detail = "ONNX Runtime " + OrtSupport.version() + " extended fusions that the CUDA provider also"
                        + " implements; the CUDA provider adds its own at load";
            }
        } else {
            level = exactTarget() ? "all" : "extended";
            optimised = optimise(model, level);
            detail = "ONNX Runtime " + OrtSupport.version() + " " + level + (level.equals("all")
                    ? " (fusions and hardware-specific layouts: this machine is " + host.cpuPlatform() + ")"
                    : " (fusions; hardware-specific layouts only when compiled on the exact target)")
                    + ", saved into the artifact; hosts load it with optimisation disabled";
        }
        record(steps, "ort-offline-optimisation", detail, model, optimised, t);
        model = optimised;

        stage("fusing residual Add + LayerNormalization");
        t = System.nanoTime();
        Set<String> observe = SkipLayerNormFusion.valuesToObserve(model);
        if (!observe.isEmpty() && !samples.isEmpty()) {
            SkipLayerNormFusion.Result fused;
            try {
                fused = SkipLayerNormFusion.apply(model, OrtSupport.observedShapes(model, observe, samples));
            } catch (OrtException e) {
                fused = new SkipLayerNormFusion.Result(model, 0, "not applied: the shapes could not be observed ("
                        + firstLine(e.getMessage()) + ")");
            }
            record(steps, "skip-layernorm-fusion", fused.detail(), model, fused.model(), t);
            model = fused.model();
        }

        ModelProto gateModel = null;
        String ranOn = "this machine's CPU execution provider";
        if (dtype.equals(Targets.DTYPE_FLOAT16)) {
            stage("float16 conversion");
            t = System.nanoTime();
            Fp16Conversion.Result half = Fp16Conversion.apply(model, OrtSupport.elementTypes(model));
            ModelProto converted = DeadCodeElimination.apply(half.model()).model();
            record(steps, "fp16-conversion", half.detail(), model, converted, t);
            model = converted;
            String cpuRefusal = cpuRefusal(model);
            if (cpuRefusal != null) {
                gateModel = Fp16Conversion.emulate(model, half.halfValues());
                ranOn = "CPU execution provider with float16 emulated (weights and activations rounded to float16"
                        + " where the GPU stores them; ONNX Runtime's CPU provider cannot run the float16 graph itself: "
                        + cpuRefusal + ")";
            } else {
                ranOn = "the float16 graph itself on this machine's CPU execution provider";
            }
        }
        if (!target.arch().equals(host.arch())) {
            ranOn += "; the artifact targets " + target.arch() + ", whose kernels may round differently";
        }
        byte[] bytes = model.toByteArray();

        stage("accuracy gate");
        t = System.nanoTime();
        CompileReport.Accuracy accuracy = gate(originalBytes, gateModel == null ? bytes : gateModel.toByteArray(),
                samples, samplesDescription, kinds, ranOn);
        return new Attempt(dtype, model, bytes, steps, accuracy, level, (System.nanoTime() - t) / 1_000_000);
    }

    private CompileReport.Accuracy gate(byte[] originalBytes, byte[] compiledBytes,
                                        List<Map<String, SampleInputs.Sample>> samples, String samplesDescription,
                                        Map<String, String> kinds, String ranOn) throws OrtException {
        if (samples.isEmpty()) {
            return CompileReport.Accuracy.skipped("no sample inputs: the compiler cannot generate values for this"
                    + " model's inputs; give sample inputs with --samples", request.tolerance());
        }
        String reference = referenceRefusal(originalBytes, samples.get(0));
        if (reference != null) {
            String why = "the original model fails on the " + (request.samples() == null ? "generated" : "given")
                    + " sample inputs (" + reference + ")" + (request.samples() == null
                    ? "; give sample inputs with --samples" : "");
            notes.add("accuracy gate skipped: " + why);
            return CompileReport.Accuracy.skipped(why, request.tolerance());
        }
        try {
            return AccuracyGate.run(originalBytes, compiledBytes, ArtifactRuntime.LEVEL_DISABLED, samples,
                    request.tolerance(), kinds, ranOn, samplesDescription, gateThreads);
        } catch (OrtException e) {
            throw new CompilationFailedException("ONNX Runtime cannot run the compiled model: " + e.getMessage(), e);
        }
    }

    /** Why ORT cannot run the original model on a sample, or null when it can. */
    private String referenceRefusal(byte[] originalBytes, Map<String, SampleInputs.Sample> sample) {
        try (OrtSession.SessionOptions o = OrtSupport.options("all", gateThreads);
             OrtSession session = OrtSupport.env().createSession(originalBytes, o)) {
            Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
            try {
                for (SampleInputs.Sample s : sample.values()) {
                    inputs.put(s.name(), s.toOnnx(OrtSupport.env()));
                }
                session.run(inputs).close();
            } finally {
                inputs.values().forEach(OnnxTensor::close);
            }
            return null;
        } catch (OrtException | RuntimeException e) {
            return firstLine(e.getMessage());
        }
    }

    /** Why ORT's CPU provider cannot create a session on {@code model}, or null when it can. */
    private static String cpuRefusal(ModelProto model) {
        try (OrtSession.SessionOptions o = OrtSupport.options("disabled", 1);
             OrtSession session = OrtSupport.env().createSession(model.toByteArray(), o)) {
            session.getNumInputs();
            return null;
        } catch (OrtException e) {
            return firstLine(e.getMessage());
        }
    }

    private CompileReport.Latency latency(ArtifactManifest manifest, byte[] originalBytes, Attempt attempt,
                                          List<Map<String, SampleInputs.Sample>> samples) throws OrtException {
        if (target.gpu()) {
            return CompileReport.Latency.skipped(host.cudaAvailable()
                    ? "GPU artifacts are not timed by the compiler (the CUDA provider is not used at compile time)"
                    : "the artifact runs on an NVIDIA GPU with the CUDA provider; this machine has none");
        }
        if (!attempt.accuracy().passed() && !attempt.accuracy().status().equals("skipped")) {
            return CompileReport.Latency.skipped("the accuracy gate failed");
        }
        if (samples.isEmpty()) {
            return CompileReport.Latency.skipped("no sample inputs to time the models with");
        }
        String why = manifest.incompatibility(host).orElse(null);
        if (why != null) {
            return CompileReport.Latency.skipped("the target does not run here: " + why);
        }
        stage("measuring latency");
        checkCancelled();
        long budget = Long.getLong(Compiler.LATENCY_BUDGET_PROPERTY, DEFAULT_LATENCY_BUDGET_MILLIS) * 1_000_000L;
        try {
            // One intra-op thread: the host's default runner configuration (one runner per core, one thread each).
            return LatencyProbe.measure(originalBytes, attempt.bytes(), manifest.runtime().graphOptimizationLevel(),
                    samples.get(0), 1, budget);
        } catch (OrtException e) {
            return CompileReport.Latency.skipped("ONNX Runtime could not time the models: " + firstLine(e.getMessage()));
        }
    }

    private ArtifactManifest manifest(Attempt attempt, String sourceSha, List<CompileReport.Pass> allPasses) {
        Map<String, List<Long>> shapes = new LinkedHashMap<>();
        request.inputShapes().forEach((name, dims) -> shapes.put(name, Arrays.stream(dims).boxed().toList()));
        return new ArtifactManifest(ArtifactManifest.FORMAT_VERSION,
                new ArtifactTarget(target.name(), target.platform(), target.arch(), target.accelerator(),
                        options.cpuFeatures()),
                new ArtifactModel(MODEL_FILE, attempt.dtype(), shapes, sourceSha, Onnx.sha256(attempt.bytes())),
                new ArtifactRuntime(target.executionProvider(), target.loadOptimization(), target.intraOpThreadsHint(),
                        OrtSupport.version(), Map.of()),
                allPasses.stream().map(p -> p.name().equals("ort-offline-optimisation")
                        ? p.name() + ":" + attempt.offlineLevel() : p.name()).toList(),
                compilerName(), Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    }

    static String compilerName() {
        String version = Compiler.class.getPackage().getImplementationVersion();
        return "sluice-neo-compiler " + (version == null ? "dev" : version);
    }

    /**
     * Whether hardware-specific layouts (ORT level "all") may be baked in: only when this machine is exactly the
     * platform the artifact will run on. An x86 layout depends on the vector width (AVX-512 blocks of 16 against
     * AVX2's 8), so on x86 only artifacts that require AVX-512 get it, compiled on an AVX-512 machine.
     */
    private boolean exactTarget() {
        if (target.gpu() || !host.arch().equals(target.arch()) || !host.cpuFeaturesKnown()
                || !host.cpuFeatures().containsAll(options.cpuFeatures())) {
            return false;
        }
        return !target.arch().equals(HostCapabilities.X86_64) || options.cpuFeatures().contains("avx512f");
    }

    private ModelProto optimise(ModelProto model, String level) throws IOException {
        try {
            return OrtSupport.optimise(model, level, work);
        } catch (OrtException e) {
            throw new CompilationFailedException("ONNX Runtime could not optimise the " + (model.getGraph()
                    .getNodeList().stream().anyMatch(n -> n.getDomain().equals(Onnx.MICROSOFT_DOMAIN))
                    ? "transformed" : "") + " model: " + firstLine(e.getMessage()), e);
        }
    }

    /** Contrib operators in {@code optimised} that the CUDA provider lacks and the input did not already have. */
    private static Set<String> contribOpsOutside(ModelProto optimised, ModelProto input) {
        Set<String> before = new HashSet<>();
        for (NodeProto n : input.getGraph().getNodeList()) {
            before.add(n.getDomain() + ":" + n.getOpType());
        }
        Set<String> foreign = new TreeSet<>();
        for (NodeProto n : optimised.getGraph().getNodeList()) {
            boolean standard = n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx");
            boolean cudaContrib = n.getDomain().equals(Onnx.MICROSOFT_DOMAIN) && CUDA_CONTRIB_OPS.contains(n.getOpType());
            if (!standard && !cudaContrib && !before.contains(n.getDomain() + ":" + n.getOpType())) {
                foreign.add(n.getDomain() + ":" + n.getOpType());
            }
        }
        return foreign;
    }

    private void record(List<CompileReport.Pass> into, String name, String detail, ModelProto in, ModelProto out,
                        long startNanos) {
        into.add(new CompileReport.Pass(name, detail, in.getGraph().getNodeCount(), out.getGraph().getNodeCount(),
                (System.nanoTime() - startNanos) / 1_000_000));
        checkCancelled();
    }

    private static CompileReport.ModelStats stats(ModelProto model, long bytes) {
        return new CompileReport.ModelStats(model.getGraph().getNodeCount(), model.getGraph().getInitializerCount(),
                bytes, Onnx.opCounts(model));
    }

    private void stage(String description) {
        checkCancelled();
        listener.stage(description);
    }

    private void checkCancelled() {
        if (listener.cancelled()) {
            throw new CancellationException("compilation of " + request.model() + " for " + request.target()
                    + " was cancelled");
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no message";
        }
        return message.lines().findFirst().orElse(message).trim();
    }
}
