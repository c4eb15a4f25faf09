package dev.sluice.modelhost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.codec.CodecRegistry;
import dev.sluice.core.config.BatchingConfig;
import dev.sluice.core.config.ModelConfig;
import dev.sluice.core.config.RunnerConfig;
import dev.sluice.modelhost.testing.OnnxFixtures;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@link ModelHost} loading models straight from S3 through {@link ModelStores}. */
class ModelHostS3Test {
    static final float[][] ROWS = {{1, 2, 3, 4}, {-1, 0.5f, 2, -3}};

    @RegisterExtension
    static final S3TestServer S3 = new S3TestServer();

    @TempDir
    Path tmp;

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    String bucket;
    byte[] onnx;
    ModelStores stores;
    ModelHost host;

    @BeforeEach
    void upload() throws IOException {
        bucket = S3.newBucket();
        onnx = Files.readAllBytes(OnnxFixtures.mlp(tmp.resolve("src")));
        S3.put(bucket, "mlp.onnx", onnx);
        S3.put(bucket, "model.tar.gz", modelTarGz(onnx));
        S3.put(bucket, "prefix/model.onnx", onnx);
        S3.put(bucket, "prefix/code/inference.py", "print()".getBytes(StandardCharsets.UTF_8));
    }

    /** Stores whose budget is one byte: anything not leased is evicted at once, which shows what the host holds. */
    ModelHost host() {
        stores = S3.stores(tmp.resolve("cache"), 1);
        host = new ModelHost(tmp.resolve("work"), registry, new CodecRegistry(List.of(new LinesCodec())), stores);
        return host;
    }

    @AfterEach
    void close() {
        if (host != null) {
            host.close();
        }
        if (stores != null) {
            stores.close();
        }
    }

    static HostedModel await(CompletableFuture<HostedModel> load) throws Exception {
        return load.get(60, TimeUnit.SECONDS);
    }

    static ModelConfig config(String name, String source) {
        return new ModelConfig(name, source, ModelConfig.PIPELINE_TENSOR, new RunnerConfig(1, 1, 64),
                BatchingConfig.defaults(), Map.of());
    }

    static void assertServesTheMlp(HostedModel model) throws Exception {
        InferenceResponse response = model.service().invoke(InferenceRequest.of(
                "1,2,3,4\n-1,0.5,2,-3".getBytes(StandardCharsets.UTF_8), LinesCodec.MEDIA_TYPE, LinesCodec.MEDIA_TYPE))
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
        String[] answer = new String(response.body(), StandardCharsets.UTF_8).trim().split("\n");
        assertThat(answer).hasSize(ROWS.length);
        for (int r = 0; r < ROWS.length; r++) {
            double[] expected = OnnxFixtures.mlpReference(ROWS[r]);
            double[] actual = Arrays.stream(answer[r].split(",")).mapToDouble(Double::parseDouble).toArray();
            assertThat(actual).hasSize(expected.length);
            for (int k = 0; k < expected.length; k++) {
                assertThat(actual[k]).isCloseTo(expected[k], within(1e-5));
            }
        }
    }

    Timer downloadTimer(String model) {
        return registry.find(ModelHost.DOWNLOAD_TIME_METRIC).tag("model", model).timer();
    }

    boolean cached(String url) {
        try (ModelStores.Localized local = stores.localize(url)) {
            return !local.downloaded();
        }
    }

    @Test
    void aModelTarGzFromS3IsExtractedAndServedAndItsDownloadIsReleasedAtOnce() throws Exception {
        HostedModel model = await(host().load(config("archived", "s3://" + bucket + "/model.tar.gz")));

        assertServesTheMlp(model);
        Timer downloads = downloadTimer("archived");
        assertThat(downloads).isNotNull();
        assertThat(downloads.count()).isEqualTo(1);
        assertThat(downloads.totalTime(TimeUnit.NANOSECONDS)).isPositive();
        // Extracted into the model's work directory, so the archive was not leased past extraction: evicted.
        assertThat(cached("s3://" + bucket + "/model.tar.gz")).isFalse();

        await(host.unload("archived").thenApply(v -> model));
        assertThat(downloadTimer("archived")).isNull();
    }

    @Test
    void anOnnxObjectFromS3IsServedFromTheCacheWhichKeepsItUntilUnload() throws Exception {
        HostedModel model = await(host().load(config("plain", "s3://" + bucket + "/mlp.onnx")));

        assertServesTheMlp(model);
        assertThat(downloadTimer("plain").count()).isEqualTo(1);
        assertThat(cached("s3://" + bucket + "/mlp.onnx")).as("leased while loaded").isTrue();

        host.unload("plain").get(30, TimeUnit.SECONDS);
        assertThat(cached("s3://" + bucket + "/mlp.onnx")).as("released at unload, then evicted").isFalse();
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void aPrefixFromS3IsServedAsADirectoryAndACachedSourceRecordsNoDownload() throws Exception {
        HostedModel first = await(host().load(config("first", "s3://" + bucket + "/prefix/")));
        HostedModel second = await(host.load(config("second", "s3://" + bucket + "/prefix")));

        assertServesTheMlp(first);
        assertServesTheMlp(second);
        assertThat(downloadTimer("first").count()).isEqualTo(1);
        assertThat(downloadTimer("second")).as("a cache hit downloads nothing").isNull();
        assertThat(S3.gets(bucket, "prefix/model.onnx")).isEqualTo(1);
    }

    @Test
    void aMissingObjectFailsTheLoadNamingIt() throws Exception {
        CompletableFuture<HostedModel> load = host().load(config("missing", "s3://" + bucket + "/nope.onnx"));

        Throwable failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> load.get(30, TimeUnit.SECONDS)).getCause();
        assertThat(failure).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("s3://" + bucket + "/nope.onnx does not exist");
        assertThat(host.isReady("missing")).isFalse();
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void theThreeArgumentHostOwnsItsStoresAndReadsS3WithDefaults() throws Exception {
        // No endpoint override here: only a local model, to show the host works and cleans up without touching S3.
        Path source = OnnxFixtures.mlp(tmp.resolve("local"));
        try (ModelHost own = new ModelHost(tmp.resolve("own"), registry,
                new CodecRegistry(List.of(new LinesCodec())))) {
            assertServesTheMlp(await(own.load(config("local", source.toString()))));
            assertThat(tmp.resolve("own").resolve(ModelHost.STORE_CACHE_DIR)).as("created on first download only")
                    .doesNotExist();
        }
    }

    static byte[] modelTarGz(byte[] onnx) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
            TarArchiveEntry entry = new TarArchiveEntry("./model.onnx");
            entry.setSize(onnx.length);
            tar.putArchiveEntry(entry);
            tar.write(onnx);
            tar.closeArchiveEntry();
            byte[] script = "print()".getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry code = new TarArchiveEntry("./code/inference.py");
            code.setSize(script.length);
            tar.putArchiveEntry(code);
            tar.write(script);
            tar.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }
}
