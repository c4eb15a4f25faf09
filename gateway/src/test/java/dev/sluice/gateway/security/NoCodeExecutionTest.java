package dev.sluice.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.config.ModelConfig;
import dev.sluice.core.config.ServerConfig;
import dev.sluice.gateway.SluiceServer;
import dev.sluice.modelhost.testing.OnnxFixtures;
import dev.sluice.pipeline.ProcessorRegistry;
import dev.sluice.pipeline.spi.ProcessorProvider;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sagemaker.model.ContainerDefinition;
import software.amazon.awssdk.services.sagemaker.model.SageMakerException;

/**
 * A model artifact is data. A {@code model.tar.gz} that also carries scripts ({@code inference.py}, {@code serve},
 * {@code entrypoint.sh}) and a processor plugin jar, with the same jar dropped where plugins might be looked for
 * (the work, data and model directories' {@code plugins/}), is served — and nothing in it runs: each of those files
 * would leave a marker file if it were executed or its class loaded. Only a configured plugins directory loads code
 * (the positive control at the end shows the jar does leave its marker when loaded that way).
 */
class NoCodeExecutionTest {
    @TempDir
    Path dir;

    @Test
    void scriptsAndJarsInsideAModelOrNearItAreNeverRunOrLoaded() throws Exception {
        Path markers = Files.createDirectories(dir.resolve("markers"));
        Path jarMarker = markers.resolve("jar-class-loaded");
        Path jar = pluginJar(dir.resolve("build"), jarMarker);
        Path scriptMarker = markers.resolve("script-ran");
        Path artifact = artifact(dir.resolve("artifact/model.tar.gz"), jar, scriptMarker);
        Path work = dir.resolve("work");
        Path state = dir.resolve("state");
        for (Path plugins : List.of(work.resolve("plugins"), state.resolve("plugins"),
                artifact.getParent().resolve("plugins"))) {
            Files.createDirectories(plugins);
            Files.copy(jar, plugins.resolve("evil.jar"));
        }

        ServerConfig config = new ServerConfig("127.0.0.1", 0, 0, ServerConfig.DEFAULT_MAX_PAYLOAD_BYTES,
                Duration.ofSeconds(5), List.of(ModelConfig.tensor("mlp", artifact.toString())), List.of(), null,
                ServerConfig.Role.GATEWAY);
        try (SluiceServer server = SluiceServer.start(config, work, state)) {
            server.modelsLoaded().get(120, TimeUnit.SECONDS);
            server.restored().get(60, TimeUnit.SECONDS);
            HttpResponse<String> invoked = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                            "http://127.0.0.1:" + server.port() + "/invocations")).header("Content-Type", "text/csv")
                    .POST(HttpRequest.BodyPublishers.ofString(SecurityFixtures.MLP_CSV)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(invoked.statusCode()).as(invoked.body()).isEqualTo(200);

            // The plugin's image is unknown without --plugins-dir, wherever its jar lies.
            try (SageMakerClient sageMaker = SageMakerClient.builder()
                    .endpointOverride(URI.create("http://127.0.0.1:" + server.adminPort())).region(Region.US_EAST_1)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "b")))
                    .httpClientBuilder(UrlConnectionHttpClient.builder()).build()) {
                assertThatThrownBy(() -> sageMaker.createModel(b -> b.modelName("evil").containers(
                        ContainerDefinition.builder().image("acme/evil").build(),
                        ContainerDefinition.builder().image("sluice/onnx").modelDataUrl(artifact.toUri().toString())
                                .build())))
                        .isInstanceOf(SageMakerException.class).hasMessageContaining("'acme/evil' is not a Sluice image");
            }
        }
        try (Stream<Path> left = Files.list(markers)) {
            assertThat(left).as("markers left by code that ran").isEmpty();
        }

        // Positive control: loaded from a configured plugins directory, the same jar does leave its marker.
        try (ProcessorRegistry registry = ProcessorRegistry.withPlugins(work.resolve("plugins"))) {
            assertThat(registry.find("acme/evil")).isPresent();
        }
        assertThat(jarMarker).exists();
    }

    /** A processor plugin whose class initialiser writes {@code marker}. */
    private static Path pluginJar(Path build, Path marker) throws Exception {
        Path src = Files.createDirectories(build.resolve("src/acme"));
        Path classes = Files.createDirectories(build.resolve("classes"));
        Files.writeString(src.resolve("Evil.java"), """
                package acme;
                import dev.sluice.pipeline.spi.*;
                public final class Evil implements ProcessorProvider {
                    static {
                        try {
                            java.nio.file.Files.writeString(java.nio.file.Path.of("%s"), "loaded");
                        } catch (java.io.IOException e) {
                            throw new RuntimeException(e);
                        }
                    }
                    public String image() { return "acme/evil"; }
                    public String description() { return "leaves a marker when its class loads"; }
                    public ContainerProcessor create(ProcessorContext context) { throw new UnsupportedOperationException(); }
                }
                """.formatted(marker.toString().replace("\\", "\\\\")));
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(), "-cp",
                System.getProperty("java.class.path"), src.resolve("Evil.java").toString());
        assertThat(rc).isZero();
        Path jar = build.resolve("evil.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("acme/Evil.class"));
            Files.copy(classes.resolve("acme/Evil.class"), out);
            out.closeEntry();
            out.putNextEntry(new JarEntry("META-INF/services/" + ProcessorProvider.class.getName()));
            out.write("acme.Evil\n".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return jar;
    }

    /** The MLP plus everything a SageMaker framework container would run: scripts, code, a jar, a service file. */
    private static Path artifact(Path tarball, Path jar, Path marker) throws Exception {
        Path model = OnnxFixtures.mlp(tarball.getParent().resolve("mlp"));
        String touch = "#!/bin/sh\ntouch '" + marker + "'\n";
        Map<String, byte[]> files = new java.util.LinkedHashMap<>();
        files.put("model.onnx", Files.readAllBytes(model));
        files.put("code/inference.py", ("open(r'" + marker + "', 'w').write('ran')\n").getBytes(StandardCharsets.UTF_8));
        files.put("code/requirements.txt", "evil-package==1.0\n".getBytes(StandardCharsets.UTF_8));
        files.put("serve", touch.getBytes(StandardCharsets.UTF_8));
        files.put("entrypoint.sh", touch.getBytes(StandardCharsets.UTF_8));
        files.put("code/evil.jar", Files.readAllBytes(jar));
        files.put("lib/evil.jar", Files.readAllBytes(jar));
        files.put("META-INF/services/" + ProcessorProvider.class.getName(), "acme.Evil\n".getBytes(
                StandardCharsets.UTF_8));
        try (OutputStream file = Files.newOutputStream(tarball);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(file))) {
            for (Map.Entry<String, byte[]> entry : files.entrySet()) {
                TarArchiveEntry e = new TarArchiveEntry(entry.getKey());
                e.setSize(entry.getValue().length);
                e.setMode(entry.getKey().endsWith(".onnx") || entry.getKey().endsWith(".txt") ? 0644 : 0755);
                tar.putArchiveEntry(e);
                tar.write(entry.getValue());
                tar.closeArchiveEntry();
            }
        }
        return tarball;
    }
}
