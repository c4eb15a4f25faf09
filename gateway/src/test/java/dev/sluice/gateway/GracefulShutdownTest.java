package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.config.BatchingConfig;
import dev.sluice.core.config.ModelConfig;
import dev.sluice.core.config.RunnerConfig;
import dev.sluice.core.config.ServerConfig;
import dev.sluice.modelhost.testing.OnnxFixtures;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM semantics: in-flight requests finish, nothing new is accepted, {@code /ping} turns 503 first. */
class GracefulShutdownTest {
    @TempDir
    Path dir;

    @Test
    void inFlightRequestsFinishAndNewConnectionsAreRefused() throws Exception {
        Path model = OnnxFixtures.slow(dir.resolve("slow"), 40);
        ModelConfig config = new ModelConfig("slow", model.toString(), ModelConfig.PIPELINE_TENSOR,
                new RunnerConfig(1, 1, 64), BatchingConfig.disabled(), Map.of());
        SluiceServer server = SluiceServer.start(new ServerConfig("127.0.0.1", 0, 0,
                ServerConfig.DEFAULT_MAX_PAYLOAD_BYTES, Duration.ofSeconds(20), List.of(config)), dir.resolve("work"));
        server.modelsLoaded().get(60, TimeUnit.SECONDS);
        int port = server.port();
        HttpClient client = HttpClient.newHttpClient();
        // 64 rows × 40 layers of 512×512 keep one runner busy for a good fraction of a second per request.
        StringBuilder row = new StringBuilder("{\"inputs\":{\"input\":[");
        for (int r = 0; r < 64; r++) {
            row.append(r == 0 ? "[" : ",[");
            for (int i = 0; i < OnnxFixtures.SLOW_WIDTH; i++) {
                row.append(i == 0 ? "" : ",").append((i + r) % 7);
            }
            row.append("]");
        }
        row.append("]}}");
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/invocations"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(row.toString()))
                .build();
        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            inFlight.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
        }
        // Wait until the server holds them all, so each was accepted before the "signal".
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (server.endpoints().allReady() && inFlightOf(server) < 8 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(inFlightOf(server)).isEqualTo(8);

        CompletableFuture<Boolean> shutdown = CompletableFuture.supplyAsync(() -> {
            try {
                return server.shutdown(Duration.ofSeconds(20));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        for (CompletableFuture<HttpResponse<String>> f : inFlight) {
            HttpResponse<String> response = f.get(30, TimeUnit.SECONDS);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        }
        assertThat(shutdown.get(30, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
        assertThat(Files.exists(dir)).isTrue();
    }

    private static int inFlightOf(SluiceServer server) {
        return server.dataPlaneState().inFlight();
    }
}
