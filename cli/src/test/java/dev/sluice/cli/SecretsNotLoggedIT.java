package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.auth.SigV4;
import dev.sluice.modelhost.testing.OnnxFixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice serve} from the runnable jar with API keys and AWS access keys, logging at TRACE: requests with
 * secret-looking bodies, headers and credentials — accepted, refused, malformed, failing in the model, on both ports —
 * and then not one credential, {@code Authorization} value or body appears anywhere in the process's output. The
 * launch also leaves out {@code -Dai.djl.offline} and {@code OPT_OUT_TRACKING}: the process sets them itself.
 */
class SecretsNotLoggedIT {
    private static final Pattern PORTS = Pattern.compile("data plane on port (\\d+), admin on port (\\d+)");
    static final String API_KEY = "log-test-API-KEY-9f8e7d6c5b4a";
    static final String ACCESS_KEY_ID = "AKIALOGTEST0000001";
    static final String SECRET = "LOG-TEST-AWS-SECRET/0a1b2c3d+4e5f";
    static final String WRONG_KEY = "WRONG-API-KEY-1234567890abcdef";
    static final String WRONG_SECRET = "WRONG-AWS-SECRET/9z8y7x6w";

    @TempDir
    Path dir;

    @Test
    void noSecretOrBodyReachesTheLog() throws Exception {
        Path mlp = OnnxFixtures.mlp(dir.resolve("mlp"));
        Path failing = OnnxFixtures.failing(dir.resolve("failing"));
        Path keys = Files.writeString(dir.resolve("api-keys"), API_KEY + "\n");
        Path aws = Files.writeString(dir.resolve("aws-credentials"), "[default]\naws_access_key_id = " + ACCESS_KEY_ID
                + "\naws_secret_access_key = " + SECRET + "\n");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        String jar = System.getProperty("sluice.jar", "target/sluice.jar");
        Path log = dir.resolve("server.log");
        ProcessBuilder builder = new ProcessBuilder(java.toString(), "-Xmx512m",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=trace", "-jar", jar, "serve",
                "--bind", "127.0.0.1", "--port", "0", "--admin-port", "0", "--workers", "1", "--no-batching",
                "--api-keys-file", keys.toString(), "--aws-credentials-file", aws.toString(),
                "--model", "mlp=" + mlp, "--model", "failing=" + failing,
                "--work-dir", dir.resolve("work").toString(), "--data-dir", dir.resolve("state").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().remove("OPT_OUT_TRACKING");
        builder.environment().remove("SLUICE_API_KEYS");
        builder.environment().remove("SLUICE_AWS_ACCESS_KEYS");
        Process process = builder.start();
        List<String> secrets = new ArrayList<>(List.of(API_KEY, SECRET, WRONG_KEY, WRONG_SECRET));
        try {
            String text = "";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (System.nanoTime() < deadline && process.isAlive() && !text.contains("sluice: ready")) {
                Thread.sleep(100);
                text = Files.readString(log);
            }
            assertThat(text).as("server output").contains("sluice: ready");
            Matcher m = PORTS.matcher(text);
            assertThat(m.find()).isTrue();
            String data = "http://127.0.0.1:" + m.group(1);
            String admin = "http://127.0.0.1:" + m.group(2);
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

            // Accepted: an API key and a signature; the bodies and a header are secret-looking.
            String body1 = "0.918273645,0.5,0.25,0.125";
            secrets.add("0.918273645");
            assertThat(send(client, "POST", data + "/endpoints/mlp/invocations", body1, Map.of(
                    "Authorization", "Bearer " + API_KEY, "Content-Type", "text/csv",
                    "X-Amzn-SageMaker-Custom-Attributes", "token=CUSTOM-ATTRIBUTE-SECRET"), null)).isEqualTo(200);
            secrets.add("CUSTOM-ATTRIBUTE-SECRET");
            String body2 = "0.7362819,1,2,3";
            secrets.add("0.7362819");
            Map<String, String> signed = new LinkedHashMap<>();
            assertThat(send(client, "POST", data + "/endpoints/mlp/invocations", body2, Map.of("Content-Type",
                    "text/csv"), signed)).isEqualTo(200);
            secrets.add(signed.get("Authorization"));

            // Refused: a wrong key, a wrong secret, nothing, a malformed header.
            assertThat(send(client, "POST", data + "/invocations", "BODY-SECRET-REFUSED-1", Map.of(
                    "Authorization", "Bearer " + WRONG_KEY, "Content-Type", "text/csv"), null)).isEqualTo(403);
            Map<String, String> wrong = SigV4.signingHeaders(ACCESS_KEY_ID, WRONG_SECRET, null, "us-east-1",
                    "sagemaker", Instant.now(), "POST", hostOf(data), "/invocations", Map.of("content-type",
                            "text/csv"), "BODY-SECRET-REFUSED-2".getBytes(StandardCharsets.UTF_8));
            String wrongSignature = wrong.get("Authorization");
            assertThat(send(client, "POST", data + "/invocations", "BODY-SECRET-REFUSED-2", Map.of(
                    "Authorization", wrongSignature, "X-Amz-Date", wrong.get("X-Amz-Date"), "Content-Type",
                    "text/csv"), null)).isEqualTo(403);
            secrets.add(wrongSignature);
            assertThat(send(client, "POST", data + "/invocations", "BODY-SECRET-REFUSED-3", Map.of(
                    "Content-Type", "text/csv"), null)).isEqualTo(403);
            assertThat(send(client, "POST", data + "/invocations", "BODY-SECRET-REFUSED-4", Map.of(
                    "Authorization", "AWS4-HMAC-SHA256 Credential=MALFORMED-HEADER-SECRET", "Content-Type",
                    "text/csv"), null)).isEqualTo(403);
            secrets.addAll(List.of("BODY-SECRET-REFUSED", "MALFORMED-HEADER-SECRET"));

            // Authenticated but bad: unparseable input, and an index the model fails on at run time.
            assertThat(send(client, "POST", data + "/endpoints/mlp/invocations", "BODY-SECRET-BAD-INPUT,1,2,3",
                    Map.of("Authorization", "Bearer " + API_KEY, "Content-Type", "text/csv"), null)).isEqualTo(400);
            assertThat(send(client, "POST", data + "/endpoints/mlp/invocations", "{\"BODY-SECRET-JSON\": [1,2",
                    Map.of("Authorization", "Bearer " + API_KEY, "Content-Type", "application/json"), null))
                    .isEqualTo(400);
            int modelFailure = send(client, "POST", data + "/endpoints/failing/invocations", "86420975",
                    Map.of("Authorization", "Bearer " + API_KEY, "Content-Type", "text/csv"), null);
            assertThat(modelFailure).isGreaterThanOrEqualTo(400);
            secrets.addAll(List.of("BODY-SECRET-BAD-INPUT", "BODY-SECRET-JSON", "86420975"));

            // The admin port: metrics refused and served, a control-plane call with a secret in its body.
            assertThat(send(client, "GET", admin + "/metrics", null, Map.of("Authorization", "Bearer " + WRONG_KEY),
                    null)).isEqualTo(403);
            assertThat(send(client, "GET", admin + "/metrics", null, Map.of("Authorization", "Bearer " + API_KEY),
                    null)).isEqualTo(200);
            String createModel = "{\"ModelName\":\"m1\",\"PrimaryContainer\":{\"Image\":\"sluice/onnx\","
                    + "\"ModelDataUrl\":\"" + mlp.toUri() + "\",\"Environment\":{\"DB_PASSWORD\":"
                    + "\"ENVIRONMENT-SECRET-VALUE\"}}}";
            assertThat(send(client, "POST", admin + "/", createModel, Map.of("Authorization", "Bearer " + API_KEY,
                    "Content-Type", "application/x-amz-json-1.1", "X-Amz-Target", "SageMaker.CreateModel"), null))
                    .isEqualTo(200);
            assertThat(send(client, "POST", admin + "/", "{not json BODY-SECRET-CONTROL", Map.of("Authorization",
                    "Bearer " + API_KEY, "Content-Type", "application/x-amz-json-1.1", "X-Amz-Target",
                    "SageMaker.CreateModel"), null)).isEqualTo(400);
            assertThat(send(client, "POST", admin + "/", createModel, Map.of("Authorization", "Bearer " + WRONG_KEY,
                    "Content-Type", "application/x-amz-json-1.1", "X-Amz-Target", "SageMaker.CreateModel"), null))
                    .isEqualTo(403);
            secrets.addAll(List.of("ENVIRONMENT-SECRET-VALUE", "BODY-SECRET-CONTROL"));

            process.destroy(); // SIGTERM: drain and exit, flushing the log
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String output = Files.readString(log);
            // The log is live and detailed: startup, the refusals (reason and peer), the model failure.
            assertThat(output).contains("authentication on: 1 API key(s), AWS access keys [" + ACCESS_KEY_ID
                    + ":****]").contains("refused POST /invocations from").contains("UnrecognizedClientException")
                    .contains("InvalidSignatureException").contains("DEBUG");
            for (String secret : secrets) {
                assertThat(output).as("the log holds " + secret).doesNotContain(secret);
            }
            // Parts of the Authorization header values too (the signature alone is enough to replay a request).
            assertThat(output).doesNotContain(signed.get("Authorization").substring(
                    signed.get("Authorization").indexOf("Signature=") + 10));
        } finally {
            process.destroyForcibly();
        }
    }

    private static String hostOf(String base) {
        return URI.create(base).getAuthority();
    }

    /** Sends a request; with {@code signedHeaders} non-null it is SigV4-signed with the configured key first. */
    private static int send(HttpClient client, String method, String uri, String body, Map<String, String> headers,
                            Map<String, String> signedHeaders) throws Exception {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(bytes));
        headers.forEach(request::header);
        if (signedHeaders != null) {
            Map<String, String> lower = new LinkedHashMap<>();
            headers.forEach((k, v) -> lower.put(k.toLowerCase(java.util.Locale.ROOT), v));
            URI target = URI.create(uri);
            signedHeaders.putAll(SigV4.signingHeaders(ACCESS_KEY_ID, SECRET, null, "us-east-1", "sagemaker",
                    Instant.now(), method, target.getAuthority(), target.getRawPath(), lower, bytes));
            signedHeaders.forEach(request::header);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }
}
