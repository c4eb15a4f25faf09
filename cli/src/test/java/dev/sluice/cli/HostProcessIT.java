package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.modelhost.testing.OnnxFixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice host --multi-model} as a real process from the runnable jar (after {@code package}, under failsafe):
 * the container API and target-model invocations answer, the admin port has no control plane, and SIGTERM exits 0.
 */
class HostProcessIT {
    private static final Pattern PORTS = Pattern.compile("data plane on port (\\d+), admin on port (\\d+)");

    @TempDir
    Path dir;

    private final HttpClient client = HttpClient.newHttpClient();

    private HttpResponse<String> send(String method, URI uri, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void multiModelHostServesTheContainerApiAndStopsOnSigterm() throws Exception {
        Path prefix = dir.resolve("models");
        OnnxFixtures.mlp(prefix.resolve("a"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        String jar = System.getProperty("sluice.jar", "target/sluice.jar");
        Path log = dir.resolve("host.log");
        ProcessBuilder builder = new ProcessBuilder(java.toString(), "-Dai.djl.offline=true", "-Xmx512m",
                "-jar", jar, "host", "--bind", "127.0.0.1", "--port", "0", "--admin-port", "0",
                "--multi-model", prefix.toString(), "--model-memory-budget", "256m",
                "--work-dir", dir.resolve("work").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("OPT_OUT_TRACKING", "true");
        Process process = builder.start();
        try {
            String text = "";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline && process.isAlive() && !text.contains("sluice: ready")) {
                Thread.sleep(100);
                text = Files.readString(log);
            }
            assertThat(text).as("host output").contains("sluice: ready");
            Matcher m = PORTS.matcher(text);
            assertThat(m.find()).isTrue();
            String data = "http://127.0.0.1:" + m.group(1);
            String admin = "http://127.0.0.1:" + m.group(2);

            assertThat(send("GET", URI.create(data + "/ping"), null).statusCode()).isEqualTo(200);
            assertThat(send("POST", URI.create(data + "/models"), "{\"model_name\":\"m\",\"url\":\"a\"}")
                    .statusCode()).isEqualTo(200);
            assertThat(send("GET", URI.create(data + "/models"), null).body()).contains("\"modelName\":\"m\"");
            String row = "{\"inputs\":{\"input\":[[1,2,3,4]]}}";
            assertThat(send("POST", URI.create(data + "/models/m/invoke"), row).statusCode()).isEqualTo(200);
            assertThat(send("POST", URI.create(data + "/invocations"), row, "X-Amzn-SageMaker-Target-Model", "a")
                    .statusCode()).isEqualTo(200);
            assertThat(send("POST", URI.create(data + "/invocations"), row).statusCode()).isEqualTo(400);
            assertThat(send("GET", URI.create(admin + "/metrics"), null).body()).contains("sluice_mme_loaded_models");
            assertThat(send("POST", URI.create(admin + "/"), "{}", "X-Amz-Target", "SageMaker.ListEndpoints")
                    .statusCode()).isEqualTo(404);

            process.destroy(); // SIGTERM
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isZero();
        } finally {
            process.destroyForcibly();
        }
    }
}
