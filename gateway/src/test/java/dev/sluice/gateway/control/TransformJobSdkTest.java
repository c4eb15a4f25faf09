package dev.sluice.gateway.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.modelhost.testing.OnnxFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sagemaker.model.BatchStrategy;
import software.amazon.awssdk.services.sagemaker.model.CreateTransformJobRequest;
import software.amazon.awssdk.services.sagemaker.model.DescribeTransformJobResponse;
import software.amazon.awssdk.services.sagemaker.model.ListTransformJobsResponse;
import software.amazon.awssdk.services.sagemaker.model.SageMakerException;
import software.amazon.awssdk.services.sagemaker.model.TransformJobStatus;

/** CreateTransformJob / DescribeTransformJob / StopTransformJob / ListTransformJobs through the real AWS SDK. */
class TransformJobSdkTest {
    @TempDir
    Path dir;

    private ControlPlaneHarness harness;

    @BeforeEach
    void start() throws Exception {
        harness = new ControlPlaneHarness(dir.resolve("work"), dir.resolve("state"));
        harness.createModel("mlp", "sluice/onnx", OnnxFixtures.mlp(dir.resolve("model")));
    }

    @AfterEach
    void stop() throws Exception {
        harness.close();
    }

    private CreateTransformJobRequest.Builder job(String name, Path in, Path out) {
        return CreateTransformJobRequest.builder().transformJobName(name).modelName("mlp")
                .batchStrategy(BatchStrategy.MULTI_RECORD).maxPayloadInMB(1).maxConcurrentTransforms(2)
                .modelClientConfig(c -> c.invocationsTimeoutInSeconds(30).invocationsMaxRetries(0))
                .transformInput(i -> i.contentType("text/csv").splitType("Line").compressionType("None")
                        .dataSource(d -> d.s3DataSource(s -> s.s3DataType("S3Prefix").s3Uri(in.toString()))))
                .transformOutput(o -> o.s3OutputPath(out.toUri().toString()).accept("text/csv").assembleWith("Line"))
                .transformResources(r -> r.instanceType("ml.m5.large").instanceCount(1));
    }

    private DescribeTransformJobResponse awaitEnd(String name) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (true) {
            DescribeTransformJobResponse d = harness.sageMaker.describeTransformJob(b -> b.transformJobName(name));
            if (Set.of(TransformJobStatus.COMPLETED, TransformJobStatus.FAILED, TransformJobStatus.STOPPED)
                    .contains(d.transformJobStatus()) || System.nanoTime() > deadline) {
                return d;
            }
            Thread.sleep(100);
        }
    }

    @Test
    void aJobRunsToCompletedAndWritesAnOutPerInput() throws Exception {
        Path in = dir.resolve("in");
        Files.createDirectories(in.resolve("day=1"));
        Files.writeString(in.resolve("a.csv"), "1,2,3,4\n0.5,-1,2,0\n");
        Files.writeString(in.resolve("day=1/b.csv"), "9,8,7,6\n");
        Path out = dir.resolve("out");

        String arn = harness.sageMaker.createTransformJob(job("score-1", in, out).build()).transformJobArn();
        assertThat(arn).endsWith(":transform-job/score-1");
        DescribeTransformJobResponse d = awaitEnd("score-1");
        assertThat(d.transformJobStatus()).as(d.failureReason()).isEqualTo(TransformJobStatus.COMPLETED);
        assertThat(d.transformJobArn()).isEqualTo(arn);
        assertThat(d.modelName()).isEqualTo("mlp");
        assertThat(d.maxConcurrentTransforms()).isEqualTo(2);
        assertThat(d.transformInput().splitTypeAsString()).isEqualTo("Line");
        assertThat(d.transformOutput().assembleWithAsString()).isEqualTo("Line");
        assertThat(d.creationTime()).isNotNull();
        assertThat(d.transformStartTime()).isNotNull();
        assertThat(d.transformEndTime()).isAfterOrEqualTo(d.transformStartTime());

        List<String> lines = lines(out.resolve("a.csv.out"));
        assertThat(lines).hasSize(2);
        assertRow(lines.get(0), new float[] {1, 2, 3, 4});
        assertRow(lines.get(1), new float[] {0.5f, -1, 2, 0});
        assertRow(lines(out.resolve("day=1/b.csv.out")).get(0), new float[] {9, 8, 7, 6});

        ListTransformJobsResponse list = harness.sageMaker.listTransformJobs(b -> b.statusEquals("Completed")
                .nameContains("score"));
        assertThat(list.transformJobSummaries()).extracting(s -> s.transformJobName()).containsExactly("score-1");
        assertThat(harness.sageMaker.listTransformJobs(b -> b.statusEquals("Failed")).transformJobSummaries())
                .isEmpty();
    }

    @Test
    void aFailedFileFailsTheJobAndNamesTheFile() throws Exception {
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        Files.writeString(in.resolve("good.csv"), "1,2,3,4\n");
        Files.writeString(in.resolve("bad.csv"), "1,2\n");
        harness.sageMaker.createTransformJob(job("mixed", in, dir.resolve("out")).build());
        DescribeTransformJobResponse d = awaitEnd("mixed");
        assertThat(d.transformJobStatus()).isEqualTo(TransformJobStatus.FAILED);
        assertThat(d.failureReason()).contains("bad.csv");
        assertThat(dir.resolve("out/good.csv.out")).exists();
        assertThat(dir.resolve("out/bad.csv.out")).doesNotExist();
    }

    @Test
    void stopBeforeTheModelIsUpEndsStopped() throws Exception {
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        for (int i = 0; i < 50; i++) {
            Files.writeString(in.resolve("f" + i + ".csv"), "1,2,3,4\n");
        }
        harness.sageMaker.createTransformJob(job("halt", in, dir.resolve("out")).build());
        harness.sageMaker.stopTransformJob(b -> b.transformJobName("halt"));
        DescribeTransformJobResponse stopping = harness.sageMaker.describeTransformJob(b -> b.transformJobName("halt"));
        assertThat(stopping.transformJobStatus()).isIn(TransformJobStatus.STOPPING, TransformJobStatus.STOPPED);
        assertThat(awaitEnd("halt").transformJobStatus()).isEqualTo(TransformJobStatus.STOPPED);
        // Stopping a job that has ended changes nothing.
        harness.sageMaker.stopTransformJob(b -> b.transformJobName("halt"));
        assertThat(awaitEnd("halt").transformJobStatus()).isEqualTo(TransformJobStatus.STOPPED);
    }

    @Test
    void mistakesAreValidationExceptionsNamingTheField() throws Exception {
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        Path out = dir.resolve("out");
        assertThatThrownBy(() -> harness.sageMaker.describeTransformJob(b -> b.transformJobName("nope")))
                .isInstanceOf(SageMakerException.class).hasMessageContaining("Could not find job");
        assertThatThrownBy(() -> harness.sageMaker.stopTransformJob(b -> b.transformJobName("nope")))
                .isInstanceOf(SageMakerException.class).hasMessageContaining("Could not find job");
        assertThatThrownBy(() -> harness.sageMaker.createTransformJob(job("j", in, out).modelName("missing").build()))
                .isInstanceOf(SageMakerException.class).hasMessageContaining("Could not find model");
        assertThatThrownBy(() -> harness.sageMaker.createTransformJob(job("j", in, out).maxPayloadInMB(101).build()))
                .isInstanceOf(SageMakerException.class).hasMessageContaining("MaxPayloadInMB");
        assertThatThrownBy(() -> harness.sageMaker.createTransformJob(job("j", in, out).maxPayloadInMB(50)
                .maxConcurrentTransforms(4).build())).hasMessageContaining("MaxConcurrentTransforms");
        assertThatThrownBy(() -> harness.sageMaker.createTransformJob(job("j", in, out)
                .modelClientConfig(c -> c.invocationsMaxRetries(9)).build()))
                .hasMessageContaining("InvocationsMaxRetries");
        assertThatThrownBy(() -> harness.sageMaker.createTransformJob(job("j", in, out)
                .transformInput(i -> i.splitType("Words").dataSource(d -> d.s3DataSource(s -> s.s3DataType("S3Prefix")
                        .s3Uri(in.toString())))).build())).hasMessageContaining("SplitType");
        assertThatThrownBy(() -> harness.sageMaker.createTransformJob(job("j", in, out)
                .transformInput(i -> i.dataSource(d -> d.s3DataSource(s -> s.s3DataType("S3Prefix")))).build()))
                .hasMessageContaining("S3Uri");
        assertThatThrownBy(() -> harness.sageMaker.listTransformJobs(b -> b.statusEquals("Running")))
                .isInstanceOf(SageMakerException.class);
        assertThat(harness.sageMaker.listTransformJobs(b -> b.maxResults(10)).transformJobSummaries()).isEmpty();
    }

    private static List<String> lines(Path file) throws Exception {
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        lines.removeIf(String::isBlank);
        return lines;
    }

    private static void assertRow(String line, float[] row) {
        double[] expected = OnnxFixtures.mlpReference(row);
        String[] cells = line.split(",");
        for (int i = 0; i < expected.length; i++) {
            assertThat(Double.parseDouble(cells[i].trim())).isCloseTo(expected[i], within(1e-4));
        }
    }
}
