package dev.sluice.gateway.control;

import static dev.sluice.gateway.control.ControlPlaneHarness.variant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.config.ServerConfig;
import dev.sluice.core.hosting.PipelineFiles;
import dev.sluice.gateway.SluiceServer;
import dev.sluice.gateway.control.RemoteAndMultiModelVariantsTest.ThirdPartyContainer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.sagemaker.model.ContainerDefinition;
import software.amazon.awssdk.services.sagemaker.model.ContainerMode;
import software.amazon.awssdk.services.sagemaker.model.DescribeModelResponse;
import software.amazon.awssdk.services.sagemaker.model.InferenceExecutionMode;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointResponse;
import software.amazon.awssdk.services.sagemakerruntime.model.ModelErrorException;
import software.amazon.awssdk.services.sagemakerruntime.model.ValidationErrorException;

/**
 * Multi-container models (SageMaker inference pipelines) end to end: created with the AWS SDK's CreateModel and
 * invoked with its runtime client, and served from a pipeline file as {@code sluice serve --pipeline} does.
 */
class InferencePipelineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    @TempDir
    static Path dir;
    static ControlPlaneHarness sdk;

    @BeforeAll
    static void start() throws Exception {
        sdk = new ControlPlaneHarness(dir.resolve("work"), dir.resolve("state"));
    }

    @AfterAll
    static void stop() throws Exception {
        sdk.close();
    }

    private static ContainerDefinition container(String hostname, String image, String modelData,
                                                 Map<String, String> environment) {
        return ContainerDefinition.builder().containerHostname(hostname).image(image).modelDataUrl(modelData)
                .environment(environment).build();
    }

    private static List<ContainerDefinition> embeddingContainers() {
        return List.of(container("tokenizer", "sluice/tokenizer", "builtin:minilm", Map.of("MAX_LENGTH", "128")),
                container("encoder", "sluice/onnx", "builtin:minilm", Map.of("SLUICE_BATCHING", "false",
                        "SAGEMAKER_MODEL_SERVER_WORKERS", "1")),
                container("pooling", "sluice/pooling", null, Map.of()));
    }

    private static float[] embedding(JsonNode row) {
        float[] v = new float[row.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = row.get(i).floatValue();
        }
        return v;
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    @Test
    void aSerialPipelineCreatedWithTheSdkServesEmbeddingsAndReportsEachContainer() throws Exception {
        sdk.sageMaker.createModel(b -> b.modelName("embed-pipe").containers(embeddingContainers())
                .inferenceExecutionConfig(c -> c.mode(InferenceExecutionMode.SERIAL)));
        DescribeModelResponse described = sdk.sageMaker.describeModel(b -> b.modelName("embed-pipe"));
        assertThat(described.containers()).extracting(ContainerDefinition::containerHostname)
                .containsExactly("tokenizer", "encoder", "pooling");
        sdk.createConfig("embed-pipe-config", variant("AllTraffic", "embed-pipe", 1, 1));
        sdk.createEndpointAndWait("embed-pipe", "embed-pipe-config");

        InvokeEndpointResponse response = sdk.runtime.invokeEndpoint(b -> b.endpointName("embed-pipe")
                .contentType("application/json").body(SdkBytes.fromUtf8String(
                        "{\"inputs\": [\"A cat sits on the mat.\", \"Stock markets fell sharply today.\"]}")));
        JsonNode embeddings = JSON.readTree(response.body().asByteArray()).get("embeddings");
        assertThat(embeddings).hasSize(2);
        float[] cat = embedding(embeddings.get(0));
        assertThat(cat).hasSize(384);
        assertThat(cosine(cat, cat)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(cosine(cat, embedding(embeddings.get(1)))).isLessThan(0.5);
        assertThat(response.invokedProductionVariant()).isEqualTo("AllTraffic");

        // The same text alone answers (nearly) the same vector: pooling masked out the padding.
        JsonNode alone = JSON.readTree(sdk.runtime.invokeEndpoint(b -> b.endpointName("embed-pipe")
                .contentType("application/json").body(SdkBytes.fromUtf8String(
                        "{\"inputs\": [\"A cat sits on the mat.\"]}"))).body().asByteArray());
        assertThat(cosine(cat, embedding(alone.get("embeddings").get(0)))).isGreaterThan(0.98);

        String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sdk.server.adminPort()
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        for (String container : List.of("tokenizer", "encoder", "pooling")) {
            assertThat(metrics).containsPattern("sluice_container_latency_seconds_count\\{container=\"" + container
                    + "\",model=\"embed-pipe\"} 2\\b");
        }

        // A stage's failure is a ModelError that names the container and keeps its status.
        assertThatThrownBy(() -> sdk.runtime.invokeEndpoint(b -> b.endpointName("embed-pipe")
                .contentType("application/json").body(SdkBytes.fromUtf8String("{\"inputs\": [1, 2]}"))))
                .isInstanceOfSatisfying(ModelErrorException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(424);
                    assertThat(e.originalStatusCode()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("container 'tokenizer' (1 of 3)");
                });
    }

    @Test
    void aDirectPipelineRunsOnlyTheContainerTheClientNames() throws Exception {
        try (ThirdPartyContainer echo = new ThirdPartyContainer("echo", 0)) {
            sdk.sageMaker.createModel(b -> b.modelName("direct-pipe").containers(
                    container("tokens", "sluice/tokenizer", "builtin:minilm", Map.of()),
                    container("echo", "http://127.0.0.1:" + echo.port, null, Map.of()))
                    .inferenceExecutionConfig(c -> c.mode(InferenceExecutionMode.DIRECT)));
            sdk.createConfig("direct-pipe-config", variant("AllTraffic", "direct-pipe", 1, 1));
            sdk.createEndpointAndWait("direct-pipe", "direct-pipe-config");

            InvokeEndpointResponse toEcho = sdk.runtime.invokeEndpoint(b -> b.endpointName("direct-pipe")
                    .targetContainerHostname("echo").contentType("text/plain")
                    .body(SdkBytes.fromUtf8String("hello")));
            assertThat(toEcho.body().asUtf8String()).isEqualTo("echo:hello");
            assertThat(toEcho.contentType()).startsWith("text/plain");

            InvokeEndpointResponse toTokens = sdk.runtime.invokeEndpoint(b -> b.endpointName("direct-pipe")
                    .targetContainerHostname("tokens").contentType("application/json")
                    .body(SdkBytes.fromUtf8String("{\"inputs\": [\"hello world\"]}")));
            JsonNode tokens = JSON.readTree(toTokens.body().asByteArray());
            // [CLS] hello world [SEP] padded to 8: the tokenizer's own outputs, nothing else ran.
            assertThat(tokens.toString()).contains("input_ids").contains("101").contains("7592");
            assertThat(echo.invocations.get()).isEqualTo(1);

            assertThatThrownBy(() -> sdk.runtime.invokeEndpoint(b -> b.endpointName("direct-pipe")
                    .contentType("text/plain").body(SdkBytes.fromUtf8String("hello"))))
                    .isInstanceOf(ValidationErrorException.class)
                    .hasMessageContaining("X-Amzn-SageMaker-Target-Container-Hostname");
            assertThatThrownBy(() -> sdk.runtime.invokeEndpoint(b -> b.endpointName("direct-pipe")
                    .targetContainerHostname("nobody").contentType("text/plain")
                    .body(SdkBytes.fromUtf8String("hello"))))
                    .isInstanceOf(ValidationErrorException.class).hasMessageContaining("'nobody'")
                    .hasMessageContaining("[tokens, echo]");
            assertThat(echo.invocations.get()).isEqualTo(1);
        }
    }

    @Test
    void createModelRefusesPipelinesThatCouldNeverRun() {
        assertThatThrownBy(() -> sdk.sageMaker.createModel(b -> b.modelName("bad-image").containers(
                container("a", "sluice/tokenizer", "builtin:minilm", Map.of()),
                container("b", "acme/unknown", null, Map.of()))))
                .hasMessageContaining("Containers.2.Image").hasMessageContaining("acme/unknown")
                .hasMessageContaining("sluice/pooling");
        assertThatThrownBy(() -> sdk.sageMaker.createModel(b -> b.modelName("bad-mme").containers(
                container("a", "sluice/tokenizer", "builtin:minilm", Map.of()),
                ContainerDefinition.builder().containerHostname("b").image("sluice/onnx")
                        .mode(ContainerMode.MULTI_MODEL).modelDataUrl(dir.toUri().toString()).build())))
                .hasMessageContaining("Containers.2.Mode");
        assertThatThrownBy(() -> sdk.sageMaker.createModel(b -> b.modelName("bad-direct").containers(
                container("a", "sluice/tokenizer", "builtin:minilm", Map.of()),
                ContainerDefinition.builder().image("sluice/pooling").build())
                .inferenceExecutionConfig(c -> c.mode(InferenceExecutionMode.DIRECT))))
                .hasMessageContaining("ContainerHostname");
        assertThatThrownBy(() -> sdk.sageMaker.createModel(b -> b.modelName("bad-onnx").containers(
                container("a", "sluice/tokenizer", "builtin:minilm", Map.of()),
                container("b", "sluice/onnx", null, Map.of()))))
                .hasMessageContaining("Containers.2.ModelDataUrl");
    }

    @Test
    void thePipelineFileExampleServesAtInvocationsAsServePipelineDoes() throws Exception {
        Path example = Path.of("..", "examples", "text-embedding", "pipeline.yaml");
        assertThat(example).exists();
        ServerConfig config = new ServerConfig("127.0.0.1", 0, 0, ServerConfig.DEFAULT_MAX_PAYLOAD_BYTES,
                Duration.ofSeconds(5), List.of(), List.of(), null, ServerConfig.Role.GATEWAY,
                List.of(PipelineFiles.read(example, "embed")), null);
        try (SluiceServer server = SluiceServer.start(config, dir.resolve("file-work"), dir.resolve("file-state"))) {
            server.modelsLoaded().get(120, TimeUnit.SECONDS);
            for (String path : List.of("/invocations", "/endpoints/embed/invocations")) {
                HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                + server.port() + path)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\": [\"hello there\"]}")).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertThat(response.statusCode()).as(path).isEqualTo(200);
                assertThat(JSON.readTree(response.body()).get("embeddings").get(0)).hasSize(384);
            }
        }
    }

    @Test
    void aBadPipelineFileIsRefusedWithItsNameAndTheField() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, """
                InferenceExecutionConfig: {Mode: Sideways}
                Containers:
                  - {ContainerHostname: a, Image: sluice/tokenizer}
                """);
        assertThatThrownBy(() -> PipelineFiles.read(file, "bad"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad.yaml")
                .hasMessageContaining("InferenceExecutionConfig.Mode");
        Files.writeString(file, "Containers: [ {Image: ");
        assertThatThrownBy(() -> PipelineFiles.read(file, "bad")).hasMessageContaining("not valid YAML");
    }

    /** Every pipeline example of the README, served from its file as `./sluice serve --pipeline` does, answers. */
    @Test
    void everyExamplePipelineAnswersItsSample() throws Exception {
        Path examples = Path.of("..", "examples");
        ServerConfig config = new ServerConfig("127.0.0.1", 0, 0, ServerConfig.DEFAULT_MAX_PAYLOAD_BYTES,
                Duration.ofSeconds(5), List.of(), List.of(), null, ServerConfig.Role.GATEWAY, List.of(
                        PipelineFiles.read(examples.resolve("text-classification/pipeline.yaml"), "topics"),
                        PipelineFiles.read(examples.resolve("image-classification/pipeline.yaml"), "colors"),
                        PipelineFiles.read(examples.resolve("tabular-churn/pipeline.yaml"), "churn")), null);
        try (SluiceServer server = SluiceServer.start(config, dir.resolve("examples-work"),
                dir.resolve("examples-state"))) {
            server.modelsLoaded().get(120, TimeUnit.SECONDS);

            JsonNode topics = JSON.readTree(post(server, "topics", "application/json", null,
                    ("{\"inputs\": [\"The goalkeeper saved a penalty in extra time.\", "
                            + "\"Grill the salmon with lemon and herbs.\"]}").getBytes()));
            assertThat(topics.get(0).get("label").asText()).isEqualTo("sports");
            assertThat(topics.get(1).get("label").asText()).isEqualTo("food");
            assertThat(topics.get(0).get("top_k")).hasSize(2);

            byte[] red = Files.readAllBytes(examples.resolve("image-classification/red.png"));
            JsonNode colors = JSON.readTree(post(server, "colors", "image/png", null, red));
            assertThat(colors.get(0).get("label").asText()).isEqualTo("red");
            assertThat(colors.get(0).get("probability").asDouble()).isGreaterThan(0.5);

            byte[] customers = Files.readAllBytes(examples.resolve("tabular-churn/customers.csv"));
            String churn = new String(post(server, "churn", "text/csv", "text/csv", customers));
            List<String> rows = churn.lines().toList();
            assertThat(rows).hasSize(6);
            // Hand-computed in examples/tabular-churn/README.md from the model's published weights.
            assertThat(rows.get(0)).startsWith("churn,0.95752");
            assertThat(rows.get(1)).startsWith("stay,0.99160");
        }
    }

    private static byte[] post(SluiceServer server, String endpoint, String contentType, String accept, byte[] body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + "/endpoints/" + endpoint + "/invocations")).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (accept != null) {
            request.header("Accept", accept);
        }
        HttpResponse<byte[]> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).as(endpoint + ": " + new String(response.body())).isEqualTo(200);
        return response.body();
    }
}
