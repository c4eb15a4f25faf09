package dev.sluice.gateway.control;

import dev.sluice.core.config.ServerConfig;
import dev.sluice.gateway.SluiceServer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.retry.backoff.FixedDelayBackoffStrategy;
import software.amazon.awssdk.core.waiters.WaiterOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sagemaker.model.ContainerDefinition;
import software.amazon.awssdk.services.sagemaker.model.CreateEndpointConfigRequest;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointResponse;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariant;
import software.amazon.awssdk.services.sagemaker.waiters.SageMakerWaiter;
import software.amazon.awssdk.services.sagemakerruntime.SageMakerRuntimeClient;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointResponse;

/**
 * A real server (both ports on loopback port 0, state in a temporary data directory) driven by the unmodified AWS SDK
 * for Java v2 clients, pointed at it with {@code endpointOverride} — what an operator does with the SDK or CLI.
 */
final class ControlPlaneHarness implements AutoCloseable {
    /** Dummy credentials: the SDK insists on signing, Sluice does not check signatures. */
    private static final StaticCredentialsProvider CREDENTIALS = StaticCredentialsProvider.create(
            AwsBasicCredentials.create("sluice", "sluice"));

    final SluiceServer server;
    final SageMakerClient sageMaker;
    final SageMakerRuntimeClient runtime;
    final SageMakerWaiter waiter;

    ControlPlaneHarness(Path work, Path data) throws Exception {
        this(work, data, dev.sluice.core.config.S3Config.DEFAULT);
    }

    ControlPlaneHarness(Path work, Path data, dev.sluice.core.config.S3Config s3) throws Exception {
        this(work, data, s3, new ControlPlane.Settings("us-east-1", "000000000000", Duration.ofMillis(100),
                Duration.ofMillis(100)));
    }

    ControlPlaneHarness(Path work, Path data, dev.sluice.core.config.S3Config s3, ControlPlane.Settings settings)
            throws Exception {
        ServerConfig config = new ServerConfig("127.0.0.1", 0, 0, ServerConfig.DEFAULT_MAX_PAYLOAD_BYTES,
                Duration.ofSeconds(5), List.of(), List.of(), s3, ServerConfig.Role.GATEWAY);
        server = SluiceServer.start(config, work, data, settings);
        server.restored().get(60, TimeUnit.SECONDS);
        sageMaker = SageMakerClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + server.adminPort()))
                .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS)
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        runtime = SageMakerRuntimeClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + server.port()))
                .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS)
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        // The SDK's default waiter polls every 30 s; the same waiter polling faster keeps the suite quick.
        waiter = SageMakerWaiter.builder().client(sageMaker)
                .overrideConfiguration(WaiterOverrideConfiguration.builder()
                        .backoffStrategy(FixedDelayBackoffStrategy.create(Duration.ofMillis(100)))
                        .maxAttempts(1200).build())
                .build();
    }

    void createModel(String name, String image, Path modelData) {
        sageMaker.createModel(b -> b.modelName(name).primaryContainer(ContainerDefinition.builder().image(image)
                .modelDataUrl(modelData == null ? null : modelData.toUri().toString())
                .environment(java.util.Map.of("SAGEMAKER_MODEL_SERVER_WORKERS", "1")).build()));
    }

    static ProductionVariant variant(String name, String model, double weight, int instances) {
        return ProductionVariant.builder().variantName(name).modelName(model).initialVariantWeight((float) weight)
                .initialInstanceCount(instances).instanceType("ml.m5.large").build();
    }

    void createConfig(String name, ProductionVariant... variants) {
        sageMaker.createEndpointConfig(CreateEndpointConfigRequest.builder().endpointConfigName(name)
                .productionVariants(variants).build());
    }

    DescribeEndpointResponse createEndpointAndWait(String name, String config) {
        sageMaker.createEndpoint(b -> b.endpointName(name).endpointConfigName(config));
        return awaitInService(name);
    }

    DescribeEndpointResponse awaitInService(String name) {
        return waiter.waitUntilEndpointInService(b -> b.endpointName(name)).matched().response().orElseThrow();
    }

    InvokeEndpointResponse invokeCsv(String endpoint, String csv, String targetVariant) {
        return runtime.invokeEndpoint(b -> b.endpointName(endpoint).contentType("text/csv")
                .targetVariant(targetVariant).body(SdkBytes.fromUtf8String(csv)));
    }

    @Override
    public void close() throws Exception {
        sageMaker.close();
        runtime.close();
        server.close();
    }
}
