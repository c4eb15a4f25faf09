package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.modelhost.testing.OnnxFixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice serve} as a real process from the runnable jar (so it runs after {@code package}, under failsafe):
 * SIGTERM while requests are in flight lets every accepted request finish and the process exits 0 (SageMaker's
 * container contract).
 */
class ServeProcessIT {
    private static final Pattern PORTS = Pattern.compile("data plane on port (\\d+), admin on port (\\d+)");

    @TempDir
    Path dir;

    @Test
    void sigtermDrainsInFlightRequestsAndExitsZero() throws Exception {
        Path model = OnnxFixtures.slow(dir.resolve("slow"), 40);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        String jar = System.getProperty("sluice.jar", "target/sluice.jar");
        ProcessBuilder builder = new ProcessBuilder(java.toString(), "-Dai.djl.offline=true", "-Xmx512m",
                "-jar", jar, "serve",
                "--bind", "127.0.0.1", "--port", "0", "--admin-port", "0", "--workers", "1", "--no-batching",
                "--work-dir", dir.resolve("work").toString(), "--data-dir", dir.resolve("state").toString(),
                "--model", "slow=" + model)
                .redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile());
        builder.environment().put("OPT_OUT_TRACKING", "true");
        Process process = builder.start();
        try {
            // Output goes to a file, not a pipe: a pipe nobody drains would block the server's logging.
            Path log = dir.resolve("server.log");
            int port = -1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String text = "";
            while (System.nanoTime() < deadline && process.isAlive() && !text.contains("sluice: ready")) {
                Thread.sleep(100);
                text = Files.readString(log);
            }
            Matcher m = PORTS.matcher(text);
            assertThat(text).as("server output").contains("sluice: ready");
            assertThat(m.find()).isTrue();
            port = Integer.parseInt(m.group(1));

            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/invocations"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(slowBody())).build();
            List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                inFlight.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
            }
            // One answer proves the rest are queued on the single runner, i.e. accepted before the signal.
            CompletableFuture.anyOf(inFlight.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            process.destroy(); // SIGTERM

            for (CompletableFuture<HttpResponse<String>> f : inFlight) {
                assertThat(f.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isZero();
        } finally {
            process.destroyForcibly();
        }
    }

    /** 64 rows × 40 layers of 512×512: a good fraction of a second per request on one runner thread. */
    private static String slowBody() {
        StringBuilder body = new StringBuilder("{\"inputs\":{\"input\":[");
        for (int r = 0; r < 64; r++) {
            body.append(r == 0 ? "[" : ",[");
            for (int i = 0; i < OnnxFixtures.SLOW_WIDTH; i++) {
                body.append(i == 0 ? "" : ",").append((i + r) % 5);
            }
            body.append("]");
        }
        return body.append("]}}").toString();
    }
}
