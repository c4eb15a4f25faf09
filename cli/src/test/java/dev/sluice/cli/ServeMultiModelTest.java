package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.config.ServerConfig;
import dev.sluice.gateway.SluiceServer;
import dev.sluice.modelhost.testing.OnnxFixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code sluice serve --multi-model NAME=PREFIX} from the arguments to an answer at /endpoints/NAME/invocations. */
class ServeMultiModelTest {
    @TempDir
    Path dir;

    @Test
    void aMultiModelEndpointFromTheCommandLineServesTargetModels() throws Exception {
        Path prefix = dir.resolve("models");
        OnnxFixtures.mlp(prefix.resolve("v1"));
        ServeCommand command = new ServeCommand();
        new CommandLine(command).parseArgs("--bind", "127.0.0.1", "--port", "0", "--admin-port", "0",
                "--multi-model", "scoring=" + prefix, "--model-memory-budget", "256m", "--no-batching");
        ServerConfig config = command.toServerConfig();
        try (SluiceServer server = SluiceServer.start(config, dir.resolve("work"), dir.resolve("state"))) {
            server.modelsLoaded().get(60, TimeUnit.SECONDS);
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + server.port() + "/endpoints/scoring/invocations"))
                    .timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "text/csv")
                    .header("X-Amzn-SageMaker-Target-Model", "v1")
                    .POST(HttpRequest.BodyPublishers.ofString("1,2,3,4\n")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-Amzn-Invoked-Production-Variant")).hasValue("AllTraffic");
            double[] expected = OnnxFixtures.mlpReference(new float[] {1, 2, 3, 4});
            String[] cells = r.body().strip().split(",");
            for (int i = 0; i < expected.length; i++) {
                assertThat(Double.parseDouble(cells[i])).isCloseTo(expected[i], within(1e-4));
            }
            assertThat(server.multiModel("scoring").orElseThrow().memoryBudgetBytes()).isEqualTo(256L << 20);
            // The first configured endpoint is the default, multi-model or not.
            HttpResponse<String> plain = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + server.port() + "/invocations"))
                    .header("Content-Type", "text/csv").header("X-Amzn-SageMaker-Target-Model", "v1")
                    .POST(HttpRequest.BodyPublishers.ofString("1,2,3,4\n")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
            assertThat(new ObjectMapper().readTree("[" + plain.body().strip() + "]").get(0).asDouble())
                    .isCloseTo(expected[0], within(1e-4));
        }
    }
}
