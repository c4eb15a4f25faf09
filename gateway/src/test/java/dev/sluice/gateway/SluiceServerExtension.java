package dev.sluice.gateway;

import dev.sluice.core.config.BatchingConfig;
import dev.sluice.core.config.ModelConfig;
import dev.sluice.core.config.MultiModelConfig;
import dev.sluice.core.config.RunnerConfig;
import dev.sluice.core.config.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a real {@link SluiceServer} on loopback port 0 (data plane and admin) for a test class and stops it after.
 * Models are created per class by functions of a scratch directory, e.g. fixture writers.
 */
public final class SluiceServerExtension implements BeforeAllCallback, AfterAllCallback {
    private final List<Function<Path, ModelConfig>> models = new ArrayList<>();
    private final List<Function<Path, MultiModelConfig>> multiModels = new ArrayList<>();
    private ServerConfig.Role role = ServerConfig.Role.GATEWAY;
    private long maxPayloadBytes = ServerConfig.DEFAULT_MAX_PAYLOAD_BYTES;
    private Path dir;
    private SluiceServer server;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public SluiceServerExtension model(Function<Path, ModelConfig> model) {
        models.add(model);
        return this;
    }

    /** A multi-model set made from the scratch directory (e.g. a prefix the function fills with fixtures). */
    public SluiceServerExtension multiModel(Function<Path, MultiModelConfig> multiModel) {
        multiModels.add(multiModel);
        return this;
    }

    /** {@link ServerConfig.Role#HOST}: a standalone model host instead of a gateway. */
    public SluiceServerExtension host() {
        this.role = ServerConfig.Role.HOST;
        return this;
    }

    public SluiceServerExtension maxPayloadBytes(long bytes) {
        this.maxPayloadBytes = bytes;
        return this;
    }

    /** A tensor model from a fixture writer, with small runner settings suited to a 2-core CI machine. */
    public static Function<Path, ModelConfig> tensorModel(String name, Function<Path, Path> writer) {
        return dir -> new ModelConfig(name, writer.apply(dir.resolve(name)).toString(), ModelConfig.PIPELINE_TENSOR,
                new RunnerConfig(2, 1, 64), BatchingConfig.defaults(), Map.of());
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("sluice-it");
        List<ModelConfig> configs = models.stream().map(m -> m.apply(dir)).toList();
        List<MultiModelConfig> multiConfigs = multiModels.stream().map(m -> m.apply(dir)).toList();
        ServerConfig config = new ServerConfig("127.0.0.1", 0, 0, maxPayloadBytes, Duration.ofSeconds(5), configs,
                multiConfigs, null, role);
        server = SluiceServer.start(config, dir.resolve("work"));
        server.modelsLoaded().get(120, TimeUnit.SECONDS);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (server != null) {
            server.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    public SluiceServer server() {
        return server;
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    public URI adminUri(String path) {
        return URI.create("http://127.0.0.1:" + server.adminPort() + path);
    }

    public HttpResponse<String> post(String path, String contentType, String body, String... headers) {
        return post(path, contentType, body.getBytes(java.nio.charset.StandardCharsets.UTF_8), headers);
    }

    public HttpResponse<String> post(String path, String contentType, byte[] body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<byte[]> postBytes(String path, String contentType, byte[] body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    public HttpResponse<String> get(URI uri) {
        return send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> get(String path) {
        return get(uri(path));
    }

    /** Any method, with an optional JSON body. */
    public HttpResponse<String> send(String method, URI uri, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> send(String method, String path, String body) {
        return send(method, uri(path), body);
    }

    /** The scratch directory models and prefixes were written into. */
    public Path dir() {
        return dir;
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return client.send(request, handler);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
