package dev.sluice.gateway.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.gateway.SluiceServer;
import dev.sluice.gateway.security.SecurityFixtures;
import dev.sluice.modelhost.testing.OnnxFixtures;
import java.net.URI;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sagemaker.model.CategoricalParameter;
import software.amazon.awssdk.services.sagemaker.model.ContainerDefinition;
import software.amazon.awssdk.services.sagemaker.model.CreateInferenceRecommendationsJobRequest;
import software.amazon.awssdk.services.sagemaker.model.DescribeInferenceRecommendationsJobResponse;
import software.amazon.awssdk.services.sagemaker.model.EndpointInputConfiguration;
import software.amazon.awssdk.services.sagemaker.model.EnvironmentParameter;
import software.amazon.awssdk.services.sagemaker.model.InferenceRecommendation;
import software.amazon.awssdk.services.sagemaker.model.InferenceRecommendationsJob;
import software.amazon.awssdk.services.sagemaker.model.ModelLatencyThreshold;
import software.amazon.awssdk.services.sagemaker.model.Phase;
import software.amazon.awssdk.services.sagemaker.model.RecommendationJobInputConfig;
import software.amazon.awssdk.services.sagemaker.model.RecommendationJobStatus;
import software.amazon.awssdk.services.sagemaker.model.RecommendationJobType;
import software.amazon.awssdk.services.sagemaker.model.ResourceInUseException;
import software.amazon.awssdk.services.sagemaker.model.ResourceNotFoundException;
import software.amazon.awssdk.services.sagemaker.model.SageMakerException;
import software.amazon.awssdk.services.sagemaker.model.TrafficType;

/**
 * CreateInferenceRecommendationsJob / Describe / Stop / List through the real AWS SDK against a real gateway, which
 * the job load-tests over its own ports (the recommender itself is tested in its module and by
 * {@code sluice recommend}'s tests; these check the control plane's side: the request mapping, the SDK-typed
 * recommendations, the report, the lifecycle).
 */
class RecommendationJobSdkTest {
    private static final String ROLE = "arn:aws:iam::000000000000:role/sluice";
    private static final Set<RecommendationJobStatus> ENDED = Set.of(RecommendationJobStatus.COMPLETED,
            RecommendationJobStatus.FAILED, RecommendationJobStatus.STOPPED);

    @TempDir
    Path dir;

    private ControlPlaneHarness harness;

    @AfterEach
    void stop() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    private void mlpModel(String name) throws Exception {
        harness = new ControlPlaneHarness(dir.resolve("work"), dir.resolve("state"));
        Path model = OnnxFixtures.mlp(dir.resolve("model"));
        harness.sageMaker.createModel(b -> b.modelName(name).primaryContainer(ContainerDefinition.builder()
                .image("sluice/onnx").modelDataUrl(model.toUri().toString()).build()));
    }

    /** One candidate (1 worker, 1 thread, no batching) on the type this 2-vCPU machine stands for. */
    private static EndpointInputConfiguration oneCandidate(String instanceType) {
        return EndpointInputConfiguration.builder().instanceType(instanceType)
                .environmentParameterRanges(r -> r.categoricalParameterRanges(
                        CategoricalParameter.builder().name("SAGEMAKER_MODEL_SERVER_WORKERS").value("1").build(),
                        CategoricalParameter.builder().name("OMP_NUM_THREADS").value("1").build(),
                        CategoricalParameter.builder().name("SLUICE_BATCHING").value("false").build()))
                .build();
    }

    private static CreateInferenceRecommendationsJobRequest.Builder advanced(String name, String model,
                                                                          Consumer<RecommendationJobInputConfig.Builder> more) {
        return CreateInferenceRecommendationsJobRequest.builder().jobName(name).roleArn(ROLE)
                .jobType(RecommendationJobType.ADVANCED)
                .inputConfig(i -> {
                    i.modelName(model).jobDurationInSeconds(300)
                            .trafficPattern(t -> t.trafficType(TrafficType.PHASES).phases(
                                    Phase.builder().initialNumberOfUsers(4).spawnRate(0).durationInSeconds(2).build(),
                                    Phase.builder().initialNumberOfUsers(8).spawnRate(0).durationInSeconds(2).build()))
                            .endpointConfigurations(oneCandidate(thisMachinesType()));
                    more.accept(i);
                })
                .stoppingConditions(s -> s.modelLatencyThresholds(ModelLatencyThreshold.builder().percentile("P99")
                        .valueInMilliseconds(2000).build()));
    }

    /** The default catalog's 2- or 4-vCPU x86 general-purpose type: what the CI and development machines are. */
    private static String thisMachinesType() {
        return switch (Runtime.getRuntime().availableProcessors()) {
            case 2 -> "ml.c5.large";
            case 4 -> "ml.c5.xlarge";
            case 8 -> "ml.c5.2xlarge";
            default -> "ml.c5.4xlarge";
        };
    }

    private DescribeInferenceRecommendationsJobResponse awaitEnd(String name, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            DescribeInferenceRecommendationsJobResponse d = harness.sageMaker.describeInferenceRecommendationsJob(
                    b -> b.jobName(name));
            if (ENDED.contains(d.status()) || System.nanoTime() > deadline) {
                return d;
            }
            Thread.sleep(100);
        }
    }

    @Test
    void anAdvancedJobLoadTestsTheModelThroughTheGatewayAndAnswersInTheSdksTypes() throws Exception {
        mlpModel("mlp");
        Path payload = dir.resolve("payloads.tar.gz");
        tarGz(payload, "sample.csv", "1.0,2.0,3.0,4.0\n");

        String arn = harness.sageMaker.createInferenceRecommendationsJob(advanced("mlp-load", "mlp",
                i -> i.containerConfig(c -> c.payloadConfig(p -> p.samplePayloadUrl(payload.toString())
                        .supportedContentTypes("text/csv")))).jobDescription("two phases").build()).jobArn();
        assertThat(arn).endsWith(":inference-recommendations-job/mlp-load");

        DescribeInferenceRecommendationsJobResponse d = awaitEnd("mlp-load", Duration.ofSeconds(120));
        assertThat(d.status()).as(d.failureReason()).isEqualTo(RecommendationJobStatus.COMPLETED);
        assertThat(d.jobType()).isEqualTo(RecommendationJobType.ADVANCED);
        assertThat(d.jobDescription()).isEqualTo("two phases");
        assertThat(d.roleArn()).isEqualTo(ROLE);
        assertThat(d.inputConfig().modelName()).isEqualTo("mlp");
        assertThat(d.inputConfig().trafficPattern().phases()).hasSize(2);
        assertThat(d.completionTime()).isAfterOrEqualTo(d.creationTime());

        assertThat(d.inferenceRecommendations()).hasSize(1);
        InferenceRecommendation r = d.inferenceRecommendations().get(0);
        assertThat(r.endpointConfiguration().instanceTypeAsString()).isEqualTo(thisMachinesType());
        assertThat(r.endpointConfiguration().initialInstanceCount()).isEqualTo(1);
        // Both phases met a 2 s p99, so the highest (8 users = 8 requests/s) is the maximum, less the 20 % headroom.
        assertThat(r.metrics().maxInvocations()).isEqualTo(384);
        assertThat(r.metrics().modelLatency()).isBetween(0, 2000);
        assertThat(r.metrics().costPerHour()).isPositive();
        assertThat(r.metrics().costPerInference()).isPositive();
        assertThat(r.metrics().modelSetupTime()).isPositive();
        Map<String, String> env = r.modelConfiguration().environmentParameters().stream()
                .collect(Collectors.toMap(EnvironmentParameter::key, EnvironmentParameter::value));
        assertThat(env).containsEntry("SAGEMAKER_MODEL_SERVER_WORKERS", "1")
                .containsEntry("SLUICE_INTRA_OP_THREADS", "1").containsEntry("SLUICE_BATCHING", "false");

        // The full report sits in the data directory; the candidate endpoints are gone.
        Path html = dir.resolve("state").resolve("recommendation-reports").resolve("mlp-load").resolve("report.html");
        assertThat(html).isRegularFile();
        assertThat(Files.readString(html)).contains("mlp");
        assertThat(harness.sageMaker.listEndpoints(b -> { }).endpoints()).isEmpty();

        assertThat(harness.sageMaker.listInferenceRecommendationsJobs(b -> b.statusEquals(
                RecommendationJobStatus.COMPLETED).modelNameEquals("mlp")).inferenceRecommendationsJobs())
                .extracting(InferenceRecommendationsJob::jobName, InferenceRecommendationsJob::modelName)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("mlp-load", "mlp"));
        assertThat(harness.sageMaker.listInferenceRecommendationsJobs(b -> b.modelNameEquals("other"))
                .inferenceRecommendationsJobs()).isEmpty();
    }

    @Test
    void stoppingARunningJobEndsItStoppedAndRemovesItsEndpoint() throws Exception {
        mlpModel("mlp");
        // A Default job searches upwards for minutes; it is stopped while it measures.
        harness.sageMaker.createInferenceRecommendationsJob(b -> b.jobName("mlp-default").roleArn(ROLE)
                .jobType(RecommendationJobType.DEFAULT)
                .inputConfig(i -> i.modelName("mlp").endpointConfigurations(oneCandidate(thisMachinesType()))
                        .containerConfig(c -> c.payloadConfig(p -> p.supportedContentTypes("text/csv")))));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (harness.sageMaker.listEndpoints(b -> { }).endpoints().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(harness.sageMaker.describeInferenceRecommendationsJob(b -> b.jobName("mlp-default")).status())
                .isEqualTo(RecommendationJobStatus.IN_PROGRESS);

        harness.sageMaker.stopInferenceRecommendationsJob(b -> b.jobName("mlp-default"));
        DescribeInferenceRecommendationsJobResponse d = awaitEnd("mlp-default", Duration.ofSeconds(60));
        assertThat(d.status()).as(d.failureReason()).isEqualTo(RecommendationJobStatus.STOPPED);
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!harness.sageMaker.listEndpoints(b -> { }).endpoints().isEmpty() && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertThat(harness.sageMaker.listEndpoints(b -> { }).endpoints()).isEmpty();
        // Stopping an ended job changes nothing.
        harness.sageMaker.stopInferenceRecommendationsJob(b -> b.jobName("mlp-default"));
        assertThat(harness.sageMaker.describeInferenceRecommendationsJob(b -> b.jobName("mlp-default")).status())
                .isEqualTo(RecommendationJobStatus.STOPPED);
    }

    @Test
    void badRequestsAreValidationErrorsNamingTheField() throws Exception {
        mlpModel("mlp");
        assertThatThrownBy(() -> harness.sageMaker.createInferenceRecommendationsJob(advanced("j1", "nope", i -> { })
                .build())).isInstanceOf(SageMakerException.class)
                .hasMessageContaining("Could not find model \"nope\"")
                .satisfies(e -> assertThat(((SageMakerException) e).statusCode()).isEqualTo(400));
        assertThatThrownBy(() -> harness.sageMaker.createInferenceRecommendationsJob(b -> b.jobName("j2")
                .roleArn(ROLE).jobType(RecommendationJobType.ADVANCED).inputConfig(i -> i.modelName("mlp"))))
                .hasMessageContaining("InputConfig.TrafficPattern is required");
        assertThatThrownBy(() -> harness.sageMaker.createInferenceRecommendationsJob(advanced("j3", "mlp",
                i -> i.endpointConfigurations(EndpointInputConfiguration.builder().instanceType("ml.nope.large")
                        .build())).build()))
                .hasMessageContaining("ml.nope.large").hasMessageContaining("InputConfig.EndpointConfigurations.1");
        assertThatThrownBy(() -> harness.sageMaker.createInferenceRecommendationsJob(advanced("j4", "mlp",
                i -> i.modelName(null).modelPackageVersionArn("arn:aws:sagemaker:us-east-1:000000000000:model-package/p/1"))
                .build())).hasMessageContaining("ModelPackageVersionArn is not supported");
        assertThatThrownBy(() -> harness.sageMaker.createInferenceRecommendationsJob(advanced("j5", "mlp", i -> { })
                .roleArn("not-a-role").build())).hasMessageContaining("RoleArn");
        assertThatThrownBy(() -> harness.sageMaker.createInferenceRecommendationsJob(advanced("j6", "mlp",
                i -> i.endpointConfigurations(EndpointInputConfiguration.builder().instanceType(thisMachinesType())
                        .environmentParameterRanges(r -> r.categoricalParameterRanges(CategoricalParameter.builder()
                                .name("SOMETHING_ELSE").value("1").build())).build())).build()))
                .hasMessageContaining("SOMETHING_ELSE");
        assertThatThrownBy(() -> harness.sageMaker.describeInferenceRecommendationsJob(b -> b.jobName("missing")))
                .isInstanceOf(ResourceNotFoundException.class);

        // A taken name is refused while the first job still runs or after; the first job is stopped at once.
        harness.sageMaker.createInferenceRecommendationsJob(advanced("taken", "mlp", i -> i.containerConfig(
                c -> c.payloadConfig(p -> p.supportedContentTypes("text/csv")))).build());
        assertThatThrownBy(() -> harness.sageMaker.createInferenceRecommendationsJob(advanced("taken", "mlp",
                i -> { }).build())).isInstanceOf(ResourceInUseException.class);
        harness.sageMaker.stopInferenceRecommendationsJob(b -> b.jobName("taken"));
        assertThat(awaitEnd("taken", Duration.ofSeconds(60)).status()).isIn(RecommendationJobStatus.STOPPED,
                RecommendationJobStatus.COMPLETED);
    }

    @Test
    void onAnAuthenticatedGatewayAJobCallsTheGatewaysOwnPortsWithItsOwnKey() throws Exception {
        try (SluiceServer server = SecurityFixtures.server(dir, SecurityFixtures.authenticated());
             SageMakerClient sageMaker = SageMakerClient.builder()
                     .endpointOverride(URI.create("http://127.0.0.1:" + server.adminPort())).region(Region.US_EAST_1)
                     .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                             SecurityFixtures.ACCESS_KEY_ID, SecurityFixtures.SECRET_ACCESS_KEY)))
                     .httpClientBuilder(UrlConnectionHttpClient.builder()).build()) {
            Path model = OnnxFixtures.mlp(dir.resolve("model"));
            sageMaker.createModel(b -> b.modelName("m").primaryContainer(ContainerDefinition.builder()
                    .image("sluice/onnx").modelDataUrl(model.toUri().toString()).build()));
            Path payload = dir.resolve("row.csv");
            Files.writeString(payload, SecurityFixtures.MLP_CSV + "\n");
            sageMaker.createInferenceRecommendationsJob(advanced("secured", "m", i -> i.containerConfig(
                    c -> c.payloadConfig(p -> p.samplePayloadUrl(payload.toString()).supportedContentTypes("text/csv"))))
                    .build());
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            DescribeInferenceRecommendationsJobResponse d;
            do {
                Thread.sleep(100);
                d = sageMaker.describeInferenceRecommendationsJob(b -> b.jobName("secured"));
            } while (!ENDED.contains(d.status()) && System.nanoTime() < deadline);
            // Every call the job made (CreateModel, invocations, /metrics) passed the gateway's authentication.
            assertThat(d.status()).as(d.failureReason()).isEqualTo(RecommendationJobStatus.COMPLETED);
            assertThat(d.inferenceRecommendations()).singleElement()
                    .satisfies(r -> assertThat(r.metrics().maxInvocations()).isPositive());
        }
    }

    private static void tarGz(Path file, String entryName, String content) throws Exception {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (OutputStream gz = new GzipCompressorOutputStream(buffer);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            TarArchiveEntry entry = new TarArchiveEntry(entryName);
            entry.setSize(bytes.length);
            tar.putArchiveEntry(entry);
            tar.write(bytes);
            tar.closeArchiveEntry();
        }
        Files.write(file, buffer.toByteArray());
    }
}
