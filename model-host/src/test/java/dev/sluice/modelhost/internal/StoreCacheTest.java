package dev.sluice.modelhost.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreCacheTest {
    @TempDir
    Path tmp;

    static long write(Path dir, String name, int bytes) throws IOException {
        Files.write(dir.resolve(name), new byte[bytes]);
        return bytes;
    }

    static long files(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void aFailedFillLeavesNoEntryAndNoTemporaryFilesAndReachesEveryWaiter() throws Exception {
        try (StoreCache cache = new StoreCache(tmp, 1 << 20)) {
            CountDownLatch filling = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger fills = new AtomicInteger();
            StoreCache.Filler failing = dir -> {
                fills.incrementAndGet();
                write(dir, "half.onnx", 100);
                filling.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IOException("connection reset");
            };
            CompletableFuture<StoreCache.Lease> first = CompletableFuture.supplyAsync(
                    () -> cache.acquire("k", null, 0, failing), runnable -> new Thread(runnable, "fill-1").start());
            assertThat(filling.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<StoreCache.Lease> waiter = CompletableFuture.supplyAsync(
                    () -> cache.acquire("k", null, 0, failing), runnable -> new Thread(runnable, "fill-2").start());
            Thread.sleep(100);
            release.countDown();

            for (CompletableFuture<StoreCache.Lease> caller : java.util.List.of(first, waiter)) {
                assertThatThrownBy(() -> caller.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                        .hasMessageContaining("connection reset");
            }
            assertThat(fills).hasValue(1);
            assertThat(files(tmp)).as("no half file anywhere").isZero();
            assertThat(cache.totalBytes()).isZero();

            try (StoreCache.Lease lease = cache.acquire("k", null, 0, dir -> write(dir, "whole.onnx", 100))) {
                assertThat(lease.filled()).isTrue();
                assertThat(lease.dir().resolve("whole.onnx")).hasSize(100);
            }
        }
    }

    @Test
    void anEntryBiggerThanTheBudgetIsKeptWhileInUseAndDroppedAfter() throws Exception {
        try (StoreCache cache = new StoreCache(tmp, 10)) {
            StoreCache.Lease lease = cache.acquire("big", null, 100, dir -> write(dir, "big.onnx", 100));
            assertThat(lease.dir().resolve("big.onnx")).exists();
            assertThat(cache.totalBytes()).isEqualTo(100);
            lease.close();
            lease.close();
            assertThat(lease.dir()).doesNotExist();
            assertThat(cache.totalBytes()).isZero();
        }
    }

    @Test
    void anEntryDeletedBehindTheCachesBackIsFilledAgain() throws Exception {
        try (StoreCache cache = new StoreCache(tmp, 1000)) {
            Path dir;
            try (StoreCache.Lease lease = cache.acquire("k", null, 0, d -> write(d, "m.onnx", 10))) {
                dir = lease.dir();
            }
            StoreCache.deleteQuietly(dir);
            try (StoreCache.Lease lease = cache.acquire("k", null, 0, d -> write(d, "m.onnx", 10))) {
                assertThat(lease.filled()).isTrue();
                assertThat(lease.dir().resolve("m.onnx")).exists();
                assertThat(cache.totalBytes()).isEqualTo(10);
            }
        }
    }

    @Test
    void aClosedCacheRefusesAndKeepsItsEntriesForTheNextOne() throws Exception {
        StoreCache cache = new StoreCache(tmp, 1000);
        cache.acquire("k", null, 0, dir -> write(dir, "m.onnx", 10)).close();
        cache.close();
        assertThatThrownBy(() -> cache.acquire("k", null, 0, dir -> 0)).isInstanceOf(IllegalStateException.class);

        try (StoreCache next = new StoreCache(tmp, 1000);
             StoreCache.Lease lease = next.acquire("k", null, 0, dir -> {
                 throw new AssertionError("must be a hit");
             })) {
            assertThat(lease.filled()).isFalse();
            assertThat(lease.bytes()).isEqualTo(10);
        }
    }
}
