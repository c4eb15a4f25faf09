package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.config.BatchingConfig;
import dev.sluice.core.config.MultiModelConfig;
import dev.sluice.core.config.RunnerConfig;
import dev.sluice.modelhost.testing.OnnxFixtures;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A multi-model host whose memory budget is smaller than any model: 507 InsufficientStorage on both routes. */
class ModelHostMemoryBudgetTest {
    /** Smaller than the MLP fixture's ONNX file alone. */
    private static final long BUDGET = 64;

    @RegisterExtension
    static final SluiceServerExtension HOST = new SluiceServerExtension().host().multiModel(dir -> {
        Path prefix = dir.resolve("models");
        OnnxFixtures.mlp(prefix.resolve("a"));
        return new MultiModelConfig(MultiModelConfig.HOST_ENDPOINT_NAME, prefix.toString(), BUDGET, true, null,
                new RunnerConfig(1, 1, 16), BatchingConfig.defaults(), Map.of());
    });

    private static void assert507(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(507);
        assertThat(r.headers().firstValue("x-amzn-ErrorType")).hasValue("InsufficientStorage");
        assertThat(r.body()).contains("memory budget");
    }

    @Test
    void aModelLargerThanTheBudgetIs507() {
        assert507(HOST.send("POST", "/models", "{\"model_name\":\"m\",\"url\":\"a\"}"));
        assert507(HOST.post("/invocations", "application/json", "{\"inputs\":{\"input\":[[1,2,3,4]]}}",
                "X-Amzn-SageMaker-Target-Model", "a"));
        assertThat(HOST.get("/models/m").statusCode()).isEqualTo(404);
        assertThat(HOST.server().multiModel(MultiModelConfig.HOST_ENDPOINT_NAME).orElseThrow().usedBytes()).isZero();
    }
}
