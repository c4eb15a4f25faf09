package dev.sluice.gateway;

import static dev.sluice.gateway.SluiceServerExtension.tensorModel;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.config.BatchingConfig;
import dev.sluice.core.config.MultiModelConfig;
import dev.sluice.core.config.RunnerConfig;
import dev.sluice.modelhost.testing.OnnxFixtures;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A gateway ({@code sluice serve --model mlp=... --multi-model mme=PREFIX}) with a multi-model endpoint beside a
 * single model: routed through the variant router like any endpoint, and without the container API.
 */
class MultiModelEndpointTest {
    private static final String ROW = "{\"inputs\":{\"input\":[[1,2,3,4]]}}";

    @RegisterExtension
    static final SluiceServerExtension SERVER = new SluiceServerExtension()
            .model(tensorModel("mlp", OnnxFixtures::mlp))
            .multiModel(dir -> {
                Path prefix = dir.resolve("prefix");
                OnnxFixtures.mlp(prefix.resolve("m1"));
                OnnxFixtures.mlp(prefix.resolve("group").resolve("m2"));
                return new MultiModelConfig("mme", prefix.toString(), MultiModelConfig.DEFAULT_MEMORY_BUDGET, true,
                        null, new RunnerConfig(1, 1, 64), BatchingConfig.defaults(), Map.of());
            });

    @Test
    void targetModelsAreServedAtTheEndpointThroughTheVariantRouter() throws Exception {
        for (String target : new String[] {"m1", "group/m2", "m1"}) {
            HttpResponse<String> r = SERVER.post("/endpoints/mme/invocations", "application/json", ROW,
                    "X-Amzn-SageMaker-Target-Model", target);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-Amzn-Invoked-Production-Variant")).hasValue("AllTraffic");
            double expected = OnnxFixtures.mlpReference(new float[] {1, 2, 3, 4})[0];
            assertThat(new ObjectMapper().readTree(r.body()).get("outputs").get("output").get(0).get(0).asDouble())
                    .isCloseTo(expected, org.assertj.core.api.Assertions.within(1e-4));
        }
        assertThat(SERVER.server().multiModel("mme").orElseThrow().isLoaded("group/m2")).isTrue();
        String metrics = SERVER.get(SERVER.adminUri("/metrics")).body();
        assertThat(metrics)
                .containsPattern("sluice_invocations_total\\{[^}]*endpoint=\"mme\"[^}]*variant=\"AllTraffic\"")
                .contains("sluice_mme_loaded_models{host=\"mme\"} 2.0");
    }

    @Test
    void theFirstModelStaysTheDefaultAndTheTargetModelIsRequired() {
        HttpResponse<String> plain = SERVER.post("/invocations", "application/json", ROW);
        assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
        HttpResponse<String> missing = SERVER.post("/endpoints/mme/invocations", "application/json", ROW);
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(missing.headers().firstValue("x-amzn-ErrorType")).hasValue("ValidationError");
        assertThat(SERVER.post("/endpoints/mme/invocations", "application/json", ROW,
                "X-Amzn-SageMaker-Target-Model", "../etc").statusCode()).isEqualTo(400);
    }

    @Test
    void aGatewayHasNoContainerApi() {
        HttpResponse<String> r = SERVER.get("/models");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.headers().firstValue("x-amzn-ErrorType")).hasValue("ResourceNotFound");
    }
}
