package dev.sluice.gateway.control;

import static dev.sluice.gateway.control.ControlPlaneHarness.variant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import dev.sluice.core.config.S3Config;
import dev.sluice.modelhost.testing.OnnxFixtures;
import dev.sluice.neo.Compiler;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Set;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sagemaker.model.CompilationJobStatus;
import software.amazon.awssdk.services.sagemaker.model.CompilationJobSummary;
import software.amazon.awssdk.services.sagemaker.model.CreateCompilationJobRequest;
import software.amazon.awssdk.services.sagemaker.model.DescribeCompilationJobResponse;
import software.amazon.awssdk.services.sagemaker.model.Framework;
import software.amazon.awssdk.services.sagemaker.model.ListCompilationJobsSortBy;
import software.amazon.awssdk.services.sagemaker.model.ResourceInUseException;
import software.amazon.awssdk.services.sagemaker.model.ResourceNotFoundException;
import software.amazon.awssdk.services.sagemaker.model.SageMakerException;
import software.amazon.awssdk.services.sagemaker.model.SortOrder;
import software.amazon.awssdk.services.sagemaker.model.TargetDevice;

/**
 * CreateCompilationJob / DescribeCompilationJob / StopCompilationJob / ListCompilationJobs through the real AWS SDK
 * (v2 has no compilation-job waiter, so the tests poll Describe as the SageMaker Python SDK does).
 */
class CompilationJobSdkTest {
    private static final String ROLE = "arn:aws:iam::000000000000:role/sluice";
    private static final Set<CompilationJobStatus> ENDED = Set.of(CompilationJobStatus.COMPLETED,
            CompilationJobStatus.FAILED, CompilationJobStatus.STOPPED);
    private static String savedBudget;

    @TempDir
    Path dir;

    private ControlPlaneHarness harness;

    @BeforeAll
    static void shortLatencyProbe() {
        // The compiler measures latency for ~1.5 s by default; the numbers are not what these tests check.
        savedBudget = System.getProperty(Compiler.LATENCY_BUDGET_PROPERTY);
        System.setProperty(Compiler.LATENCY_BUDGET_PROPERTY, "100");
    }

    @AfterAll
    static void restoreLatencyProbe() {
        if (savedBudget == null) {
            System.clearProperty(Compiler.LATENCY_BUDGET_PROPERTY);
        } else {
            System.setProperty(Compiler.LATENCY_BUDGET_PROPERTY, savedBudget);
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    private ControlPlaneHarness harness() throws Exception {
        harness = new ControlPlaneHarness(dir.resolve("work"), dir.resolve("state"));
        return harness;
    }

    private static CreateCompilationJobRequest.Builder job(String name, String model, String output) {
        return CreateCompilationJobRequest.builder().compilationJobName(name).roleArn(ROLE)
                .inputConfig(i -> i.s3Uri(model).framework(Framework.ONNX).dataInputConfig("{\"input\": [2, 4]}"))
                .outputConfig(o -> o.s3OutputLocation(output).targetDevice(TargetDevice.ML_C5))
                .stoppingCondition(s -> s.maxRuntimeInSeconds(900));
    }

    private DescribeCompilationJobResponse awaitEnd(String name) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            DescribeCompilationJobResponse d = harness.sageMaker.describeCompilationJob(b -> b.compilationJobName(name));
            if (ENDED.contains(d.compilationJobStatus()) || System.nanoTime() > deadline) {
                return d;
            }
            Thread.sleep(50);
        }
    }

    @Test
    void aCompiledArtifactDeploysAndAnswersLikeTheOriginal() throws Exception {
        harness();
        Path model = OnnxFixtures.mlp(dir.resolve("model"));
        Path out = dir.resolve("compiled");

        String arn = harness.sageMaker.createCompilationJob(job("mlp-c5", model.toUri().toString(), out.toString())
                .build()).compilationJobArn();
        assertThat(arn).endsWith(":compilation-job/mlp-c5");
        DescribeCompilationJobResponse d = awaitEnd("mlp-c5");
        assertThat(d.compilationJobStatus()).as(d.failureReason()).isEqualTo(CompilationJobStatus.COMPLETED);
        assertThat(d.compilationJobArn()).isEqualTo(arn);
        assertThat(d.roleArn()).isEqualTo(ROLE);
        assertThat(d.inputConfig().framework()).isEqualTo(Framework.ONNX);
        assertThat(d.outputConfig().targetDevice()).isEqualTo(TargetDevice.ML_C5);
        assertThat(d.stoppingCondition().maxRuntimeInSeconds()).isEqualTo(900);
        assertThat(d.creationTime()).isNotNull();
        assertThat(d.compilationStartTime()).isAfterOrEqualTo(d.creationTime());
        assertThat(d.compilationEndTime()).isAfterOrEqualTo(d.compilationStartTime());
        assertThat(d.failureReason()).isNull();

        // SageMaker Neo's naming: <output>/<model file name without extension>-<target>.tar.gz
        Path artifact = out.resolve("mlp-ml_c5.tar.gz");
        assertThat(d.modelArtifacts().s3ModelArtifacts()).isEqualTo(artifact.toString());
        assertThat(artifact).isRegularFile();
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(artifact)));
        assertThat(d.modelDigests().artifactDigest()).isEqualTo("sha256:" + sha);

        harness.sageMaker.createModel(b -> b.modelName("mlp-compiled").primaryContainer(c -> c.image("sluice/onnx")
                .modelDataUrl(d.modelArtifacts().s3ModelArtifacts())
                .environment(java.util.Map.of("SAGEMAKER_MODEL_SERVER_WORKERS", "1"))));
        harness.createConfig("mlp-compiled", variant("AllTraffic", "mlp-compiled", 1, 1));
        harness.createEndpointAndWait("mlp-compiled", "mlp-compiled");
        float[][] rows = {{1, 2, 3, 4}, {0.5f, -1, 2, 0}};
        String body = harness.invokeCsv("mlp-compiled", "1,2,3,4\n0.5,-1,2,0", null).body().asUtf8String();
        String[] lines = body.trim().split("\n");
        assertThat(lines).hasSize(2);
        for (int r = 0; r < rows.length; r++) {
            double[] expected = OnnxFixtures.mlpReference(rows[r]);
            String[] cells = lines[r].split(",");
            for (int i = 0; i < expected.length; i++) {
                // int8 weights (the ml_c5 default) round the weights; the accuracy gate bounds how far that goes.
                assertThat(Double.parseDouble(cells[i].trim())).isCloseTo(expected[i], within(0.05));
            }
        }

        // A second job for a platform; then List filters and sorts them.
        harness.sageMaker.createCompilationJob(job("mlp-linux", model.toString(), out.toUri().toString())
                .outputConfig(o -> o.s3OutputLocation(out.toUri().toString())
                        .targetPlatform(p -> p.os("LINUX").arch("X86_64"))
                        .compilerOptions("{\"dtype\": \"float32\"}")).build());
        DescribeCompilationJobResponse platform = awaitEnd("mlp-linux");
        assertThat(platform.compilationJobStatus()).as(platform.failureReason())
                .isEqualTo(CompilationJobStatus.COMPLETED);
        assertThat(platform.modelArtifacts().s3ModelArtifacts())
                .isEqualTo(out.resolve("mlp-LINUX_X86_64.tar.gz").toUri().toString());
        assertThat(out.resolve("mlp-LINUX_X86_64.tar.gz")).isRegularFile();

        var byName = harness.sageMaker.listCompilationJobs(b -> b.statusEquals(CompilationJobStatus.COMPLETED)
                .nameContains("MLP").sortBy(ListCompilationJobsSortBy.NAME).sortOrder(SortOrder.ASCENDING))
                .compilationJobSummaries();
        assertThat(byName).extracting(CompilationJobSummary::compilationJobName).containsExactly("mlp-c5", "mlp-linux");
        assertThat(byName.get(0).compilationTargetDevice()).isEqualTo(TargetDevice.ML_C5);
        assertThat(byName.get(1).compilationTargetPlatformArchAsString()).isEqualTo("X86_64");
        assertThat(byName.get(1).compilationEndTime()).isNotNull();
        var newestFirst = harness.sageMaker.listCompilationJobs(b -> b.sortBy(ListCompilationJobsSortBy.CREATION_TIME)
                .maxResults(1)).compilationJobSummaries();
        assertThat(newestFirst).extracting(CompilationJobSummary::compilationJobName).containsExactly("mlp-linux");
        assertThat(harness.sageMaker.listCompilationJobs(b -> b.statusEquals(CompilationJobStatus.FAILED))
                .compilationJobSummaries()).isEmpty();
    }

    @Test
    void aModelTheCompilerCannotReadFailsTheJobWithAReason() throws Exception {
        harness();
        Path garbage = dir.resolve("garbage.onnx");
        Files.write(garbage, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        harness.sageMaker.createCompilationJob(job("garbage", garbage.toString(), dir.resolve("out").toString())
                .inputConfig(i -> i.s3Uri(garbage.toString()).framework(Framework.ONNX)).build());
        harness.sageMaker.createCompilationJob(job("missing", dir.resolve("nope.onnx").toString(),
                dir.resolve("out").toString()).build());
        // A real model whose opset ONNX Runtime does not implement.
        ModelProto mlp = ModelProto.parseFrom(Files.readAllBytes(OnnxFixtures.mlp(dir.resolve("mlp"))));
        Path future = dir.resolve("future.onnx");
        Files.write(future, mlp.toBuilder().clearOpsetImport()
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(99)).build().toByteArray());
        harness.sageMaker.createCompilationJob(job("opset-99", future.toString(), dir.resolve("out").toString())
                .build());

        DescribeCompilationJobResponse d = awaitEnd("garbage");
        assertThat(d.compilationJobStatus()).isEqualTo(CompilationJobStatus.FAILED);
        assertThat(d.failureReason()).startsWith("ClientError").contains("garbage.onnx");
        assertThat(d.modelArtifacts()).isNull();
        DescribeCompilationJobResponse missing = awaitEnd("missing");
        assertThat(missing.compilationJobStatus()).isEqualTo(CompilationJobStatus.FAILED);
        assertThat(missing.failureReason()).contains("nope.onnx").contains("does not exist");
        DescribeCompilationJobResponse opset = awaitEnd("opset-99");
        assertThat(opset.compilationJobStatus()).isEqualTo(CompilationJobStatus.FAILED);
        assertThat(opset.failureReason()).contains("opset 99");
        assertThat(dir.resolve("out")).doesNotExist();
        assertThat(harness.sageMaker.listCompilationJobs(b -> b.statusEquals(CompilationJobStatus.FAILED))
                .compilationJobSummaries()).hasSize(3);
    }

    @Test
    void stopEndsAQueuedJobAtOnceAndARunningOneAtItsNextPass() throws Exception {
        harness();
        Path slow = OnnxFixtures.slow(dir.resolve("slow"), 48);
        Path mlp = OnnxFixtures.mlp(dir.resolve("mlp"));
        Path out = dir.resolve("out");
        harness.sageMaker.createCompilationJob(job("busy", slow.toString(), out.toString())
                .inputConfig(i -> i.s3Uri(slow.toString()).framework(Framework.ONNX)).build());
        harness.sageMaker.createCompilationJob(job("queued", mlp.toString(), out.toString()).build());
        // One compilation at a time: "queued" waits behind "busy" in STARTING, and a Stop ends it there.
        harness.sageMaker.stopCompilationJob(b -> b.compilationJobName("queued"));
        assertThat(harness.sageMaker.describeCompilationJob(b -> b.compilationJobName("queued"))
                .compilationJobStatus()).isEqualTo(CompilationJobStatus.STOPPED);

        harness.sageMaker.stopCompilationJob(b -> b.compilationJobName("busy"));
        assertThat(harness.sageMaker.describeCompilationJob(b -> b.compilationJobName("busy")).compilationJobStatus())
                .isIn(CompilationJobStatus.STOPPING, CompilationJobStatus.STOPPED);
        DescribeCompilationJobResponse busy = awaitEnd("busy");
        assertThat(busy.compilationJobStatus()).isEqualTo(CompilationJobStatus.STOPPED);
        assertThat(busy.compilationEndTime()).isNotNull();
        assertThat(busy.modelArtifacts()).isNull();
        // Stopping a job that has ended changes nothing; and nothing was published.
        harness.sageMaker.stopCompilationJob(b -> b.compilationJobName("busy"));
        assertThat(awaitEnd("busy").compilationJobStatus()).isEqualTo(CompilationJobStatus.STOPPED);
        assertThat(awaitEnd("queued").compilationJobStatus()).isEqualTo(CompilationJobStatus.STOPPED);
        assertThat(out.resolve("slow-ml_c5.tar.gz")).doesNotExist();
        assertThat(out.resolve("mlp-ml_c5.tar.gz")).doesNotExist();
        assertThat(harness.sageMaker.listCompilationJobs(b -> b.statusEquals(CompilationJobStatus.STOPPED)
                .sortBy(ListCompilationJobsSortBy.STATUS)).compilationJobSummaries()).hasSize(2);
    }

    @Test
    void aJobPastMaxRuntimeInSecondsFailsWithTimeOut() throws Exception {
        harness();
        // 400 layers take ~2.5 s to compile on a 2-core machine; the limit is the smallest SageMaker allows.
        Path slow = OnnxFixtures.slow(dir.resolve("slow"), 400);
        harness.sageMaker.createCompilationJob(job("too-slow", slow.toString(), dir.resolve("out").toString())
                .inputConfig(i -> i.s3Uri(slow.toString()).framework(Framework.ONNX))
                .stoppingCondition(s -> s.maxRuntimeInSeconds(1)).build());
        DescribeCompilationJobResponse d = awaitEnd("too-slow");
        assertThat(d.compilationJobStatus()).isEqualTo(CompilationJobStatus.FAILED);
        assertThat(d.failureReason()).startsWith("TimeOut").contains("MaxRuntimeInSeconds");
        assertThat(dir.resolve("out/slow-ml_c5.tar.gz")).doesNotExist();
    }

    @Test
    void mistakesAreValidationExceptionsNamingTheField() throws Exception {
        harness();
        Path model = OnnxFixtures.mlp(dir.resolve("model"));
        String out = dir.resolve("out").toString();
        assertThatThrownBy(() -> create(job("j", model.toString(), out).outputConfig(o -> o.s3OutputLocation(out)
                .targetDevice("ml_c99"))))
                .isInstanceOf(SageMakerException.class).hasMessageContaining("TargetDevice")
                .hasMessageContaining("ml_c99").hasMessageContaining("ml_c5");
        assertThatThrownBy(() -> create(job("j", model.toString(), out).outputConfig(o -> o.s3OutputLocation(out)
                .targetDevice(TargetDevice.ML_INF1))))
                .hasMessageContaining("TargetDevice").hasMessageContaining("ml_inf1");
        assertThatThrownBy(() -> create(job("j", model.toString(), out).inputConfig(i -> i.s3Uri(model.toString())
                .framework(Framework.PYTORCH))))
                .hasMessageContaining("Framework PYTORCH").hasMessageContaining("ONNX");
        assertThatThrownBy(() -> create(job("j", model.toString(), out).outputConfig(o -> o.s3OutputLocation(out)
                .targetPlatform(p -> p.os("ANDROID").arch("ARM64")))))
                .hasMessageContaining("TargetPlatform").hasMessageContaining("LINUX");
        assertThatThrownBy(() -> create(job("j", model.toString(), out).outputConfig(o -> o.s3OutputLocation(out)
                .targetDevice(TargetDevice.ML_C5).targetPlatform(p -> p.os("LINUX").arch("X86_64")))))
                .hasMessageContaining("exactly one of OutputConfig.TargetDevice and OutputConfig.TargetPlatform");
        assertThatThrownBy(() -> create(job("j", model.toString(), out).outputConfig(o -> o.s3OutputLocation(out)
                .targetDevice(TargetDevice.ML_C5).compilerOptions("{\"dtype\": \"float16\"}"))))
                .hasMessageContaining("CompilerOptions").hasMessageContaining("float16");
        assertThatThrownBy(() -> create(job("j", model.toString(), out).inputConfig(i -> i.s3Uri(model.toString())
                .framework(Framework.ONNX).dataInputConfig("{\"input\": [1, -4]}"))))
                .hasMessageContaining("DataInputConfig");
        assertThatThrownBy(() -> create(job("j", model.toString(), out).roleArn(null)))
                .hasMessageContaining("RoleArn");
        assertThatThrownBy(() -> create(job("j", model.toString(), out).modelPackageVersionArn(
                "arn:aws:sagemaker:us-east-1:000000000000:model-package/m/1")))
                .hasMessageContaining("ModelPackageVersionArn");
        assertThatThrownBy(() -> create(job("bad_name", model.toString(), out)))
                .hasMessageContaining("CompilationJobName");
        assertThatThrownBy(() -> create(job("j", model.toString(), out).stoppingCondition(s -> s
                .maxRuntimeInSeconds(0)))).hasMessageContaining("MaxRuntimeInSeconds");
        assertThatThrownBy(() -> harness.sageMaker.describeCompilationJob(b -> b.compilationJobName("nope")))
                .isInstanceOf(ResourceNotFoundException.class).hasMessageContaining("Could not find compilation job");
        assertThatThrownBy(() -> harness.sageMaker.stopCompilationJob(b -> b.compilationJobName("nope")))
                .isInstanceOf(ResourceNotFoundException.class);
        assertThatThrownBy(() -> harness.sageMaker.listCompilationJobs(b -> b.statusEquals("RUNNING")))
                .isInstanceOf(SageMakerException.class).hasMessageContaining("StatusEquals");
        assertThat(harness.sageMaker.listCompilationJobs(b -> b.maxResults(10)).compilationJobSummaries()).isEmpty();

        create(job("dup", model.toString(), out));
        assertThatThrownBy(() -> create(job("dup", model.toString(), out)))
                .isInstanceOf(ResourceInUseException.class).hasMessageContaining("already exists");
    }

    @Test
    void aJobReadsItsModelFromS3AndWritesTheArtifactThere() throws Exception {
        S3Proxy proxy = S3Proxy.builder().blobStore(new TransientNio2BlobStore())
                .awsAuthentication(AuthenticationType.NONE, null, null)
                .endpoint(URI.create("http://127.0.0.1:0")).build();
        proxy.start();
        try {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!"STARTED".equals(proxy.getState()) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            URI endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
            try (S3Client s3 = S3Client.builder().endpointOverride(endpoint).forcePathStyle(true)
                    .region(Region.US_EAST_1).credentialsProvider(AnonymousCredentialsProvider.create())
                    .httpClientBuilder(UrlConnectionHttpClient.builder()).build()) {
                harness = new ControlPlaneHarness(dir.resolve("work"), dir.resolve("state"),
                        new S3Config(endpoint, true, "us-east-1"));
                s3.createBucket(b -> b.bucket("models"));
                s3.putObject(b -> b.bucket("models").key("mlp/v1/model.onnx"),
                        RequestBody.fromFile(OnnxFixtures.mlp(dir.resolve("fixtures"))));

                harness.sageMaker.createCompilationJob(job("from-s3", "s3://models/mlp/v1/model.onnx",
                        "s3://models/compiled/").build());
                DescribeCompilationJobResponse d = awaitEnd("from-s3");
                assertThat(d.compilationJobStatus()).as(d.failureReason()).isEqualTo(CompilationJobStatus.COMPLETED);
                assertThat(d.modelArtifacts().s3ModelArtifacts()).isEqualTo("s3://models/compiled/model-ml_c5.tar.gz");
                byte[] artifact = s3.getObjectAsBytes(b -> b.bucket("models").key("compiled/model-ml_c5.tar.gz"))
                        .asByteArray();
                assertThat(d.modelDigests().artifactDigest()).isEqualTo("sha256:" + HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-256").digest(artifact)));

                harness.sageMaker.createCompilationJob(job("missing-in-s3", "s3://models/nope/model.onnx",
                        "s3://models/compiled/").build());
                DescribeCompilationJobResponse missing = awaitEnd("missing-in-s3");
                assertThat(missing.compilationJobStatus()).isEqualTo(CompilationJobStatus.FAILED);
                assertThat(missing.failureReason()).contains("s3://models/nope/model.onnx");
            }
        } finally {
            proxy.stop();
        }
    }

    private void create(CreateCompilationJobRequest.Builder request) {
        harness.sageMaker.createCompilationJob(request.build());
    }
}
