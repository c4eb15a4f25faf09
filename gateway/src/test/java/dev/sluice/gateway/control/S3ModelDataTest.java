package dev.sluice.gateway.control;

import static dev.sluice.gateway.control.ControlPlaneHarness.variant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.config.S3Config;
import dev.sluice.modelhost.testing.OnnxFixtures;
import java.net.URI;
import java.nio.file.Path;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sagemaker.model.EndpointStatus;

/** {@code ModelDataUrl=s3://...} end to end: a real S3 API (s3proxy on loopback), the AWS SDK as the operator. */
class S3ModelDataTest {
    @TempDir
    Path dir;

    @Test
    void anEndpointServesAModelFromS3() throws Exception {
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
                    .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
                 ControlPlaneHarness sdk = new ControlPlaneHarness(dir.resolve("work"), dir.resolve("state"),
                         new S3Config(endpoint, true, "us-east-1"))) {
                s3.createBucket(b -> b.bucket("models"));
                s3.putObject(b -> b.bucket("models").key("mlp/v1/model.onnx"),
                        RequestBody.fromFile(OnnxFixtures.mlp(dir.resolve("fixtures"))));

                sdk.sageMaker.createModel(b -> b.modelName("from-s3").primaryContainer(c -> c.image("sluice/onnx")
                        .modelDataUrl("s3://models/mlp/v1/model.onnx")));
                sdk.sageMaker.createModel(b -> b.modelName("missing-in-s3").primaryContainer(c -> c
                        .image("sluice/onnx").modelDataUrl("s3://models/nope.onnx")));
                sdk.createConfig("from-s3-config", variant("AllTraffic", "from-s3", 1, 1));
                sdk.createConfig("missing-config", variant("AllTraffic", "missing-in-s3", 1, 1));
                sdk.createEndpointAndWait("from-s3", "from-s3-config");

                double[] expected = OnnxFixtures.mlpReference(new float[] {1, 2, 3, 4});
                String body = sdk.invokeCsv("from-s3", "1,2,3,4", null).body().asUtf8String();
                assertThat(Double.parseDouble(body.trim().split(",")[0]))
                        .isCloseTo(expected[0], org.assertj.core.data.Offset.offset(1e-4));

                sdk.sageMaker.createEndpoint(b -> b.endpointName("missing").endpointConfigName("missing-config"));
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> sdk.awaitInService("missing"))
                        .hasMessageContaining("failure state");
                var failed = sdk.sageMaker.describeEndpoint(b -> b.endpointName("missing"));
                assertThat(failed.endpointStatus()).isEqualTo(EndpointStatus.FAILED);
                assertThat(failed.failureReason()).contains("s3://models/nope.onnx").contains("does not exist");

                // A transform job reading from and writing to S3, with the model itself from S3.
                s3.createBucket(b -> b.bucket("data"));
                s3.putObject(b -> b.bucket("data").key("in/part-1.csv"), RequestBody.fromString("1,2,3,4\n0,0,0,0\n"));
                s3.putObject(b -> b.bucket("data").key("in/nested/part-2.csv"), RequestBody.fromString("1,2,3,4\n"));
                sdk.sageMaker.createTransformJob(b -> b.transformJobName("s3-job").modelName("from-s3")
                        .transformInput(i -> i.contentType("text/csv").splitType("Line")
                                .dataSource(d -> d.s3DataSource(x -> x.s3DataType("S3Prefix").s3Uri("s3://data/in/"))))
                        .transformOutput(o -> o.s3OutputPath("s3://data/out/").accept("text/csv").assembleWith("Line"))
                        .transformResources(r -> r.instanceType("ml.m5.large").instanceCount(1)));
                long jobDeadline = System.nanoTime() + 60_000_000_000L;
                var job = sdk.sageMaker.describeTransformJob(b -> b.transformJobName("s3-job"));
                while (job.transformJobStatusAsString().equals("InProgress") && System.nanoTime() < jobDeadline) {
                    Thread.sleep(100);
                    job = sdk.sageMaker.describeTransformJob(b -> b.transformJobName("s3-job"));
                }
                assertThat(job.transformJobStatusAsString()).as(String.valueOf(job.failureReason()))
                        .isEqualTo("Completed");
                String part1 = s3.getObjectAsBytes(b -> b.bucket("data").key("out/part-1.csv.out")).asUtf8String();
                String part2 = s3.getObjectAsBytes(b -> b.bucket("data").key("out/nested/part-2.csv.out"))
                        .asUtf8String();
                assertThat(part1.trim().split("\n")).hasSize(2);
                assertThat(Double.parseDouble(part1.split("\n")[0].split(",")[0]))
                        .isCloseTo(expected[0], org.assertj.core.data.Offset.offset(1e-4));
                assertThat(part2.trim().split("\n")).hasSize(1);
            }
        } finally {
            proxy.stop();
        }
    }
}
