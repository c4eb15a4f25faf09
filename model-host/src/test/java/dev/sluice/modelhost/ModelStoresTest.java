package dev.sluice.modelhost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class ModelStoresTest {
    static final long BIG = 1L << 30;

    @RegisterExtension
    static final S3TestServer S3 = new S3TestServer();

    @TempDir
    Path tmp;

    final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
    }

    ModelStores stores(long diskCacheBytes) {
        ModelStores stores = S3.stores(tmp.resolve("cache"), diskCacheBytes);
        closing.add(stores);
        return stores;
    }

    static byte[] bytes(int size, long seed) {
        byte[] content = new byte[size];
        new Random(seed).nextBytes(content);
        return content;
    }

    @Test
    void localPathsAndFileUrlsAreUsedInPlace() throws Exception {
        Path file = Files.writeString(Files.createDirectories(tmp.resolve("m")).resolve("model.onnx"), "abc");
        Files.writeString(tmp.resolve("m/tokenizer.json"), "{}");
        ModelStores stores = stores(BIG);

        try (ModelStores.Localized local = stores.localize(file.toString())) {
            assertThat(local.path()).isEqualTo(file);
            assertThat(local.downloaded()).isFalse();
            assertThat(local.bytes()).isEqualTo(3);
            assertThat(local.downloadTime()).isZero();
        }
        assertThat(stores.localize(file.toUri().toString()).path()).isEqualTo(file);
        assertThat(stores.localize(tmp.resolve("m").toString()).bytes()).isEqualTo(5);
        assertThat(tmp.resolve("cache")).as("nothing is cached for local sources").doesNotExist();

        assertThatThrownBy(() -> stores.localize(tmp.resolve("nope.onnx").toString()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope.onnx")
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> stores.localize("https://example.com/model.onnx"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unsupported URL scheme");
        assertThatThrownBy(() -> stores.localize("  "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
    }

    @Test
    void anObjectIsDownloadedOnceUnderItsOwnNameThenServedFromTheCache() throws Exception {
        String bucket = S3.newBucket();
        byte[] content = bytes(10_000, 1);
        S3.put(bucket, "team/a/model.onnx", content);
        ModelStores stores = stores(BIG);

        Path first;
        try (ModelStores.Localized local = stores.localize("s3://" + bucket + "/team/a/model.onnx")) {
            first = local.path();
            assertThat(local.downloaded()).isTrue();
            assertThat(local.bytes()).isEqualTo(content.length);
            assertThat(local.downloadTime()).isPositive();
            assertThat(first.getFileName()).hasToString("model.onnx");
            assertThat(first).startsWith(tmp.resolve("cache"));
            assertThat(Files.readAllBytes(first)).isEqualTo(content);
        }
        try (ModelStores.Localized again = stores.localize("s3://" + bucket + "/team/a/model.onnx")) {
            assertThat(again.downloaded()).isFalse();
            assertThat(again.downloadTime()).isZero();
            assertThat(again.path()).isEqualTo(first);
            assertThat(again.bytes()).isEqualTo(content.length);
        }
        assertThat(S3.gets(bucket, "team/a/model.onnx")).isEqualTo(1);
    }

    @Test
    void theCacheOutlivesTheStoresAndCrashLeftoversAreCleanedUp() throws Exception {
        String bucket = S3.newBucket();
        S3.put(bucket, "model.onnx", bytes(1000, 2));
        Path cache = tmp.resolve("cache");
        try (ModelStores stores = S3.stores(cache, BIG)) {
            stores.localize("s3://" + bucket + "/model.onnx").close();
        }
        // What a process killed mid-download leaves: its temporary directory, named after a pid that is gone.
        Path leftover = Files.createDirectories(cache.resolve("tmp/999999999-1-dead/fill-1"));
        Files.write(leftover.resolve("model.onnx"), bytes(10, 3));

        try (ModelStores stores = S3.stores(cache, BIG);
             ModelStores.Localized local = stores.localize("s3://" + bucket + "/model.onnx")) {
            assertThat(local.downloaded()).isFalse();
            assertThat(Files.readAllBytes(local.path())).isEqualTo(bytes(1000, 2));
            assertThat(cache.resolve("tmp/999999999-1-dead")).doesNotExist();
        }
        assertThat(S3.gets(bucket, "model.onnx")).isEqualTo(1);
        try (Stream<Path> left = Files.list(cache.resolve("tmp"))) {
            assertThat(left).as("a closed store leaves no temporary files").isEmpty();
        }
    }

    @Test
    void aPrefixBecomesADirectoryKeepingRelativePaths() throws Exception {
        String bucket = S3.newBucket();
        S3.put(bucket, "m/model.onnx", bytes(100, 4));
        S3.put(bucket, "m/tokenizer.json", "{}".getBytes(StandardCharsets.UTF_8));
        S3.put(bucket, "m/code/inference.py", "print()".getBytes(StandardCharsets.UTF_8));
        S3.put(bucket, "m/empty/", new byte[0]);
        S3.put(bucket, "mx/other.onnx", bytes(10, 5));
        ModelStores stores = stores(BIG);

        Path dir;
        try (ModelStores.Localized local = stores.localize("s3://" + bucket + "/m/")) {
            dir = local.path();
            assertThat(local.downloaded()).isTrue();
            assertThat(local.bytes()).isEqualTo(100 + 2 + 7);
            assertThat(Files.readAllBytes(dir.resolve("model.onnx"))).isEqualTo(bytes(100, 4));
            assertThat(dir.resolve("tokenizer.json")).hasContent("{}");
            assertThat(dir.resolve("code/inference.py")).hasContent("print()");
            try (Stream<Path> files = Files.walk(dir)) {
                assertThat(files.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()))
                        .containsExactlyInAnyOrder("model.onnx", "tokenizer.json", "code/inference.py");
            }
        }
        // Without the slash the key names no object, only objects below it: a "directory", the same entry.
        try (ModelStores.Localized local = stores.localize("s3://" + bucket + "/m")) {
            assertThat(local.downloaded()).isFalse();
            assertThat(local.path()).isEqualTo(dir);
        }
        assertThat(S3.gets(bucket, "m/model.onnx")).isEqualTo(1);
        assertThat(S3.gets(bucket, "mx/other.onnx")).isZero();
    }

    @Test
    void prefixObjectsWhoseNamesAreNotSafeRelativePathsAreRefused() {
        ModelStores stores = stores(BIG);
        record Case(String listedKey, String why) {
        }
        for (Case unsafe : List.of(new Case("p/../escape.onnx", "'..'"), new Case("p//etc/passwd", "absolute"),
                new Case("p/a/../../escape.onnx", "'..'"), new Case("p/a\\..\\b", "backslash"),
                new Case("p/a//b", "empty path segment"), new Case("p/./a", "'.'"))) {
            String bucket = S3.newBucket();
            S3.put(bucket, "p/model.onnx", bytes(10, 6));
            S3.put(bucket, "p/x", bytes(10, 7));
            S3.listAs(bucket, "p/x", unsafe.listedKey());

            assertThatThrownBy(() -> stores.localize("s3://" + bucket + "/p/"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(unsafe.listedKey())
                    .hasMessageContaining(unsafe.why());
            assertThat(S3.gets(bucket, "p/model.onnx")).as("refused before anything is downloaded").isZero();
        }
        try (Stream<Path> files = Files.walk(tmp)) {
            assertThat(files.filter(Files::isRegularFile)).isEmpty();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void missingObjectsBucketsAndBadUrlsAreClearErrors() {
        String bucket = S3.newBucket();
        ModelStores stores = stores(BIG);

        assertThatThrownBy(() -> stores.localize("s3://" + bucket + "/nope.tar.gz"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("s3://" + bucket + "/nope.tar.gz does not exist");
        assertThatThrownBy(() -> stores.localize("s3://" + bucket + "/dir/"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("s3://" + bucket + "/dir/ does not exist");
        assertThatThrownBy(() -> stores.localize("s3://no-such-bucket/model.tar.gz"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("s3://no-such-bucket/model.tar.gz does not exist: there is no bucket "
                        + "'no-such-bucket'");
        assertThatThrownBy(() -> stores.localize("s3:///model.tar.gz"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("names no bucket");
        assertThatThrownBy(() -> stores.localize("s3://bad bucket/model.tar.gz"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a bucket name");
    }

    @Test
    void aNewETagIsANewVersionAndTheOldOneGoesOnceUnused() throws Exception {
        String bucket = S3.newBucket();
        String url = "s3://" + bucket + "/model.onnx";
        S3.put(bucket, "model.onnx", bytes(500, 8));
        ModelStores stores = stores(BIG);

        ModelStores.Localized v1 = stores.localize(url);
        S3.put(bucket, "model.onnx", bytes(500, 9));
        try (ModelStores.Localized v2 = stores.localize(url)) {
            assertThat(v2.downloaded()).isTrue();
            assertThat(Files.readAllBytes(v2.path())).isEqualTo(bytes(500, 9));
            assertThat(v2.path()).isNotEqualTo(v1.path());
            assertThat(Files.readAllBytes(v1.path())).as("still leased").isEqualTo(bytes(500, 8));
            v1.close();
            assertThat(v1.path()).as("superseded and unused").doesNotExist();
        }
        assertThat(S3.gets(bucket, "model.onnx")).isEqualTo(2);
    }

    @Test
    void leastRecentlyUsedEntriesGoPastTheBudgetButNeverOneInUse() throws Exception {
        String bucket = S3.newBucket();
        for (String name : List.of("a", "b", "c", "d")) {
            S3.put(bucket, name + ".onnx", bytes(1000, name.hashCode()));
        }
        ModelStores stores = stores(2500);

        ModelStores.Localized a = stores.localize("s3://" + bucket + "/a.onnx");
        Path b;
        try (ModelStores.Localized local = stores.localize("s3://" + bucket + "/b.onnx")) {
            b = local.path();
        }
        Path c;
        try (ModelStores.Localized local = stores.localize("s3://" + bucket + "/c.onnx")) {
            c = local.path();
        }
        // a is the least recently used, but leased: b goes instead.
        assertThat(a.path()).exists();
        assertThat(b).doesNotExist();
        assertThat(c).exists();

        a.close();
        try (ModelStores.Localized d = stores.localize("s3://" + bucket + "/d.onnx")) {
            assertThat(c).as("the least recently used: a was in use until just now").doesNotExist();
            assertThat(a.path()).exists();
            assertThat(d.path()).exists();
        }
        try (ModelStores.Localized again = stores.localize("s3://" + bucket + "/a.onnx")) {
            assertThat(again.downloaded()).isFalse();
        }
        try (ModelStores.Localized again = stores.localize("s3://" + bucket + "/b.onnx")) {
            assertThat(again.downloaded()).isTrue();
        }
        assertThat(S3.gets(bucket, "a.onnx")).isEqualTo(1);
        assertThat(S3.gets(bucket, "b.onnx")).isEqualTo(2);
        assertThat(S3.gets(bucket, "c.onnx")).isEqualTo(1);
    }

    @Test
    void concurrentLocalizeOfOneSourceDownloadsOnce() throws Exception {
        String bucket = S3.newBucket();
        byte[] content = bytes(4 << 20, 10);
        S3.put(bucket, "big.onnx", content);
        S3.delayGets(bucket, "big.onnx", 300);
        ModelStores stores = stores(BIG);
        int callers = 8;
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger threads = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(callers,
                r -> new Thread(r, "localize-test-" + threads.incrementAndGet()));
        try {
            List<Future<ModelStores.Localized>> results = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return stores.localize("s3://" + bucket + "/big.onnx");
                }));
            }
            start.countDown();
            List<ModelStores.Localized> localized = new ArrayList<>();
            for (Future<ModelStores.Localized> result : results) {
                localized.add(result.get(60, TimeUnit.SECONDS));
            }
            closing.addAll(localized);

            assertThat(S3.gets(bucket, "big.onnx")).isEqualTo(1);
            assertThat(localized).filteredOn(ModelStores.Localized::downloaded).hasSize(1);
            assertThat(localized).extracting(ModelStores.Localized::path).containsOnly(localized.get(0).path());
            assertThat(Files.readAllBytes(localized.get(0).path())).isEqualTo(content);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void settingsAreValidatedNamingTheField() {
        Path cache = tmp.resolve("cache");
        assertThat(ModelStores.Settings.defaults(cache)).isEqualTo(
                new ModelStores.Settings(null, false, "us-east-1", cache, 10L << 30));
        assertThat(new ModelStores.Settings(null, true, null, cache, 1).s3Region()).isEqualTo("us-east-1");
        assertThatThrownBy(() -> new ModelStores.Settings(null, false, null, cache, 0))
                .hasMessageContaining("diskCacheBytes");
        assertThatThrownBy(() -> new ModelStores.Settings(null, false, " ", cache, 1))
                .hasMessageContaining("s3Region");
        assertThatThrownBy(() -> new ModelStores.Settings(java.net.URI.create("ftp://x"), false, null, cache, 1))
                .hasMessageContaining("s3Endpoint");
        assertThatThrownBy(() -> new ModelStores.Settings(null, false, null, null, 1))
                .hasMessageContaining("cacheDir");
    }

    @Test
    void withoutCredentialsTheDefaultChainFallsBackToAnonymous() throws Exception {
        String bucket = S3.newBucket();
        S3.put(bucket, "model.onnx", bytes(10, 11));
        try (ModelStores stores = new ModelStores(S3.settings(tmp.resolve("cache"), BIG));
             ModelStores.Localized local = stores.localize("s3://" + bucket + "/model.onnx")) {
            assertThat(local.downloaded()).isTrue();
        }
    }

    @Test
    void aClosedStoreRefusesWork() {
        ModelStores stores = stores(BIG);
        stores.close();
        assertThatThrownBy(() -> stores.localize(tmp.toString())).isInstanceOf(IllegalStateException.class);
        stores.close();
    }

    @Test
    void localizedWithoutALeaseIsAPlainValue() {
        ModelStores.Localized local = new ModelStores.Localized(tmp, false, 0, Duration.ZERO);
        local.close();
        local.close();
        assertThat(local.path()).isEqualTo(tmp);
        assertThatThrownBy(() -> new ModelStores.Localized(tmp, false, -1, Duration.ZERO))
                .hasMessageContaining("bytes");
    }
}
