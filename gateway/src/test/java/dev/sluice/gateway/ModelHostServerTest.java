package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.config.BatchingConfig;
import dev.sluice.core.config.MultiModelConfig;
import dev.sluice.core.config.RunnerConfig;
import dev.sluice.modelhost.MultiModelHost;
import dev.sluice.modelhost.testing.OnnxFixtures;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A standalone multi-model host ({@code sluice host --multi-model PREFIX}) over real HTTP on real ONNX Runtime
 * sessions: the container API's calls and codes, {@code /invocations} routed by target model, and an admin port
 * without a control plane.
 */
class ModelHostServerTest {
    private static final String NAME = MultiModelConfig.HOST_ENDPOINT_NAME;
    private static final String ROW = "{\"inputs\":{\"input\":[[1,2,3,4]]}}";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final SluiceServerExtension HOST = new SluiceServerExtension().host().multiModel(dir -> {
        Path prefix = dir.resolve("models");
        for (String model : List.of("a", "b", "c")) {
            OnnxFixtures.mlp(prefix.resolve(model));
        }
        return new MultiModelConfig(NAME, prefix.toString(), MultiModelConfig.DEFAULT_MEMORY_BUDGET, true, null,
                new RunnerConfig(1, 1, 64), BatchingConfig.defaults(), Map.of());
    });

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body());
    }

    private static String load(String name, String url) {
        return "{\"model_name\":\"" + name + "\",\"url\":\"" + url + "\"}";
    }

    private static void assertMlpRow(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode row = json(r).get("outputs").get("output").get(0);
        double[] expected = OnnxFixtures.mlpReference(new float[] {1, 2, 3, 4});
        for (int i = 0; i < expected.length; i++) {
            assertThat(row.get(i).asDouble()).isCloseTo(expected[i], within(1e-4));
        }
    }

    private static void assertError(HttpResponse<String> r, int status, String type) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("x-amzn-ErrorType")).hasValue(type);
    }

    private static MultiModelHost models() {
        return HOST.server().multiModel(NAME).orElseThrow();
    }

    @Test
    void loadDescribeListInvokeAndUnload() throws Exception {
        HttpResponse<String> loaded = HOST.send("POST", "/models", load("explicit", "a"));
        assertThat(loaded.statusCode()).as(loaded.body()).isEqualTo(200);
        assertThat(json(loaded).get("status").asText()).contains("explicit").contains("loaded");
        assertError(HOST.send("POST", "/models", load("explicit", "b")), 409, "Conflict");

        HttpResponse<String> described = HOST.get("/models/explicit");
        assertThat(described.statusCode()).isEqualTo(200);
        assertThat(json(described).get("modelName").asText()).isEqualTo("explicit");
        assertThat(json(described).get("modelUrl").asText()).endsWith("a");
        List<String> listed = new ArrayList<>();
        json(HOST.get("/models")).get("models").forEach(m -> listed.add(m.get("modelName").asText()));
        assertThat(listed).contains("explicit");

        HttpResponse<String> invoked = HOST.post("/models/explicit/invoke", "application/json", ROW);
        assertMlpRow(invoked);
        assertThat(invoked.headers().firstValue("x-Amzn-Invoked-Production-Variant")).isEmpty();

        HttpResponse<String> unloaded = HOST.send("DELETE", "/models/explicit", null);
        assertThat(unloaded.statusCode()).as(unloaded.body()).isEqualTo(200);
        // The reply waits until the model is out of memory.
        assertThat(models().isLoaded("explicit")).isFalse();
        assertError(HOST.get("/models/explicit"), 404, "ResourceNotFound");
        assertError(HOST.send("DELETE", "/models/explicit", null), 404, "ResourceNotFound");
        assertError(HOST.post("/models/explicit/invoke", "application/json", ROW), 404, "ResourceNotFound");
    }

    @Test
    void absoluteUrlsAndNamesWithSlashes() throws Exception {
        String url = HOST.dir().resolve("models").resolve("c").toAbsolutePath().toString();
        assertThat(HOST.send("POST", "/models", load("dir/model.tar.gz", url)).statusCode()).isEqualTo(200);
        String encoded = "/models/" + URLEncoder.encode("dir/model.tar.gz", StandardCharsets.UTF_8);
        HttpResponse<String> described = HOST.get(encoded);
        assertThat(described.statusCode()).as(described.body()).isEqualTo(200);
        assertThat(json(described).get("modelUrl").asText()).isEqualTo(url);
        assertMlpRow(HOST.post(encoded + "/invoke", "application/json", ROW));
        assertThat(HOST.send("DELETE", encoded, null).statusCode()).isEqualTo(200);
    }

    @Test
    void badLoadRequestsAre400() {
        for (String body : List.of("not json", "[1]", "", "{}", "{\"model_name\":\"x\"}",
                "{\"model_name\":\"x\",\"url\":3}", "{\"model_name\":\"\",\"url\":\"a\"}",
                load("x", "missing"), load("x", "../models/a"))) {
            assertError(HOST.send("POST", "/models", body), 400, "ValidationError");
        }
        assertThat(models().isLoaded("x")).isFalse();
    }

    @Test
    void listingPagesWithTokens() throws Exception {
        for (String name : List.of("page-1", "page-2", "page-3")) {
            assertThat(HOST.send("POST", "/models", load(name, "b")).statusCode()).isEqualTo(200);
        }
        try {
            List<String> seen = new ArrayList<>();
            String token = null;
            int pages = 0;
            do {
                HttpResponse<String> page = HOST.get("/models?max_results=1"
                        + (token == null ? "" : "&next_page_token=" + token));
                assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
                JsonNode body = json(page);
                assertThat(body.get("models").size()).isEqualTo(1);
                seen.add(body.get("models").get(0).get("modelName").asText());
                token = body.has("nextPageToken") ? body.get("nextPageToken").asText() : null;
                pages++;
            } while (token != null && pages < 100);
            assertThat(seen).containsSubsequence("page-1", "page-2", "page-3").isSorted().doesNotHaveDuplicates();
            assertThat(json(HOST.get("/models?max_results=1000")).has("nextPageToken")).isFalse();
            assertError(HOST.get("/models?max_results=0"), 400, "ValidationError");
            assertError(HOST.get("/models?max_results=many"), 400, "ValidationError");
            assertError(HOST.get("/models?next_page_token=*not*a*token*"), 400, "ValidationError");
        } finally {
            for (String name : List.of("page-1", "page-2", "page-3")) {
                HOST.send("DELETE", "/models/" + name, null);
            }
        }
    }

    @Test
    void invocationsLoadTheTargetModelOnFirstUseThenServeIt() throws Exception {
        HttpResponse<String> first = HOST.post("/invocations", "application/json", ROW,
                "X-Amzn-SageMaker-Target-Model", "a");
        assertMlpRow(first);
        assertThat(first.headers().firstValue("x-Amzn-Invoked-Production-Variant")).hasValue("AllTraffic");
        assertThat(models().isLoaded("a")).isTrue();
        assertThat(json(HOST.get("/models/a")).get("modelName").asText()).isEqualTo("a");
        assertMlpRow(HOST.post("/endpoints/" + NAME + "/invocations", "application/json", ROW,
                "X-Amzn-SageMaker-Target-Model", "a"));
    }

    @Test
    void missingOrUnsafeTargetModelsAre400() {
        HttpResponse<String> missing = HOST.post("/invocations", "application/json", ROW);
        assertError(missing, 400, "ValidationError");
        assertThat(missing.body()).contains("X-Amzn-SageMaker-Target-Model");
        for (String target : List.of("../models/a", "/etc/passwd", "a/../../b", "s3://bucket/x", "not-there")) {
            assertError(HOST.post("/invocations", "application/json", ROW, "X-Amzn-SageMaker-Target-Model", target),
                    400, "ValidationError");
        }
    }

    @Test
    void wrongMethodsAre405WithTheAllowedOnes() {
        HttpResponse<String> put = HOST.send("PUT", "/models", "{}");
        assertError(put, 405, "MethodNotAllowed");
        assertThat(put.headers().firstValue("Allow")).hasValue("GET, POST");
        assertThat(HOST.send("POST", "/models/a", "{}").headers().firstValue("Allow")).hasValue("DELETE, GET");
        assertError(HOST.get("/models/a/invoke"), 405, "MethodNotAllowed");
        assertError(HOST.get("/models/a/b/c"), 404, "ResourceNotFound");
    }

    @Test
    void adminPortServesMetricsAndPingButNoControlPlane() throws Exception {
        assertMlpRow(HOST.post("/invocations", "application/json", ROW, "X-Amzn-SageMaker-Target-Model", "b"));
        assertThat(HOST.get(HOST.adminUri("/ping")).statusCode()).isEqualTo(200);
        assertThat(HOST.get("/ping").statusCode()).isEqualTo(200);
        String metrics = HOST.get(HOST.adminUri("/metrics")).body();
        assertThat(metrics).contains("sluice_mme_loaded_models{host=\"" + NAME + "\"}")
                .contains("sluice_mme_memory_budget_bytes{host=\"" + NAME + "\"}")
                .contains("sluice_mme_model_cache_hits_total{host=\"" + NAME + "\"}")
                .containsPattern("sluice_invocations_total\\{[^}]*endpoint=\"" + NAME + "\"");
        HttpResponse<String> control = HttpClient.newHttpClient().send(HttpRequest.newBuilder(HOST.adminUri("/"))
                        .timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/x-amz-json-1.1")
                        .header("X-Amz-Target", "SageMaker.ListEndpoints")
                        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(control.statusCode()).isEqualTo(404);
    }

    @Test
    void headAndUnknownAdminRoutes() {
        assertThat(HOST.send("HEAD", "/models", null).statusCode()).isEqualTo(200);
        assertThat(HOST.get(URI.create(HOST.adminUri("/models").toString())).statusCode()).isEqualTo(404);
    }
}
