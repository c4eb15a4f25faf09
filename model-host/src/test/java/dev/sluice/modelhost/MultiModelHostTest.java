package dev.sluice.modelhost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.SluiceException;
import dev.sluice.core.codec.CodecRegistry;
import dev.sluice.core.config.BatchingConfig;
import dev.sluice.core.config.RunnerConfig;
import dev.sluice.core.codec.DecodedPayload;
import dev.sluice.core.codec.EncodeContext;
import dev.sluice.core.codec.PayloadCodec;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.modelhost.MultiModelHost.LoadedModel;
import dev.sluice.modelhost.MultiModelHost.Settings;
import dev.sluice.modelhost.internal.MmeEnvironment;
import dev.sluice.modelhost.internal.MmeMemory;
import dev.sluice.modelhost.internal.MmeMetrics;
import dev.sluice.modelhost.testing.OnnxFixtures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The multi-model host against real ONNX Runtime sessions of tiny generated models, in a virtual environment: every
 * call of the ticker is one tick later (LRU order is call order), wait bounds fire only when a test fires them, loads
 * can be held back, and resident memory is {@link #STEP} bytes per model ModelHost holds. Requests are held in
 * flight with a codec whose encoder waits for the test, so "in flight" never depends on how fast the machine is.
 */
class MultiModelHostTest {
    static final long MB = 1L << 20;
    /** What each load measures as its footprint in the virtual environment. */
    static final long STEP = 10 * MB;
    /** Holds two {@link #STEP}-sized models, not three. */
    static final long TWO_MODELS = 25 * MB;
    static final String HOST = "ep";
    static final long BASE_RESIDENT = 1L << 30;

    @TempDir
    Path tmp;

    Path prefix;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final GatedCodec gated = new GatedCodec();
    TestEnvironment env;
    ModelHost host;
    MultiModelHost mme;

    @BeforeEach
    void setUp() throws Exception {
        prefix = tmp.resolve("models");
        Path mlp = OnnxFixtures.mlp(tmp.resolve("fixtures"));
        for (String target : List.of("a.onnx", "b.onnx", "c.onnx", "team/d.onnx")) {
            Files.createDirectories(prefix.resolve(target).getParent());
            Files.copy(mlp, prefix.resolve(target));
        }
        host = new ModelHost(tmp.resolve("work"), registry, new CodecRegistry(List.of(new LinesCodec(), gated)));
        // Resident memory grows by STEP per model ModelHost holds, and an unload gives it all back.
        env = new TestEnvironment(() -> BASE_RESIDENT + STEP * host.models().size());
    }

    @AfterEach
    void tearDown() {
        gated.open();
        env.releaseLoads();
        if (mme != null) {
            mme.close();
        }
        host.close();
        env.shutdown();
        callers.shutdownNow();
    }

    MultiModelHost mme(Settings settings) {
        mme = new MultiModelHost(HOST, settings, host, registry, env);
        return mme;
    }

    Settings settings(long budget) {
        return Settings.defaults(prefix.toString()).withMemoryBudget(budget);
    }

    // ---- first use, hits, single flight, wait bound ----

    @Test
    void firstUseLoadsTheTargetModelAndLaterRequestsHitIt() throws Exception {
        mme(settings(TWO_MODELS));

        assertMlpAnswer(await(mme.service().invoke(request("team/d.onnx"))));
        assertThat(misses()).isEqualTo(1);
        assertThat(hits()).isZero();
        assertThat(timerCount(MmeMetrics.LOADING_TIME)).isEqualTo(1);
        assertThat(timerCount(MmeMetrics.LOADING_WAIT_TIME)).isEqualTo(1);

        assertMlpAnswer(await(mme.service().invoke(request("team/d.onnx"))));
        assertMlpAnswer(await(mme.service().invoke(request("team/d.onnx"))));
        assertThat(hits()).isEqualTo(2);
        assertThat(misses()).isEqualTo(1);
        assertThat(timerCount(MmeMetrics.LOADING_TIME)).isEqualTo(1);

        LoadedModel model = mme.model("team/d.onnx").orElseThrow();
        assertThat(model.url()).isEqualTo(prefix.resolve("team/d.onnx").toAbsolutePath().toString());
        assertThat(model.footprintBytes()).isEqualTo(STEP);
        assertThat(model.inFlight()).isZero();
        assertThat(mme.usedBytes()).isEqualTo(STEP);
        assertThat(gauge(MmeMetrics.LOADED_MODELS)).isEqualTo(1);
        assertThat(gauge(MmeMetrics.MEMORY_USED)).isEqualTo(STEP);
        assertThat(gauge(MmeMetrics.MEMORY_BUDGET)).isEqualTo(TWO_MODELS);
        // One ModelHost model behind it, under a valid ModelConfig name that says which host and target it is.
        assertThat(host.models()).singleElement().satisfies(hosted ->
                assertThat(hosted.name()).startsWith("ep-mm").endsWith("team-d-onnx"));
    }

    @Test
    void concurrentFirstRequestsShareOneLoad() throws Exception {
        mme(settings(TWO_MODELS));
        env.holdLoads();
        List<CompletableFuture<InferenceResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calls.add(mme.service().invoke(request("a.onnx")).toCompletableFuture());
        }
        assertThat(calls).noneMatch(CompletableFuture::isDone);
        assertThat(mme.isLoaded("a.onnx")).isFalse();

        env.releaseLoads();
        for (CompletableFuture<InferenceResponse> call : calls) {
            assertMlpAnswer(await(call));
        }
        assertThat(timerCount(MmeMetrics.LOADING_TIME)).isEqualTo(1);
        assertThat(host.models()).hasSize(1);
        assertThat(misses()).isEqualTo(8);
        assertThat(mme.usedBytes()).isEqualTo(STEP);
    }

    @Test
    void aRequestStillWaitingAtTheWaitBoundGets429WhileTheLoadContinues() throws Exception {
        mme(settings(TWO_MODELS));
        env.holdLoads();
        CompletableFuture<InferenceResponse> first = mme.service().invoke(request("a.onnx")).toCompletableFuture();
        CompletableFuture<InferenceResponse> second = mme.service().invoke(request("a.onnx")).toCompletableFuture();

        env.fireTimer(0);
        assertThat(failureOf(first)).satisfies(e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_READY);
            assertThat(e.code().httpStatus()).isEqualTo(429);
            assertThat(e.getMessage()).isEqualTo("model 'a.onnx' is still loading; retry");
        });
        assertThat(second).isNotDone();

        env.releaseLoads();
        assertMlpAnswer(await(second));
        assertMlpAnswer(await(mme.service().invoke(request("a.onnx"))));
        assertThat(timerCount(MmeMetrics.LOADING_TIME)).isEqualTo(1);
        assertThat(misses()).isEqualTo(2);
        assertThat(hits()).isEqualTo(1);
        assertThat(timerCount(MmeMetrics.LOADING_WAIT_TIME)).isEqualTo(2);
    }

    @Test
    void theWaitBoundIsTheConfiguredOne() throws Exception {
        mme(settings(TWO_MODELS).withLoadWait(Duration.ofMillis(1234)));
        env.holdLoads();
        CompletableFuture<InferenceResponse> call = mme.service().invoke(request("a.onnx")).toCompletableFuture();
        assertThat(env.delays).containsExactly(Duration.ofMillis(1234));
        env.releaseLoads();
        await(call);
    }

    // ---- LRU by memory ----

    @Test
    void theLeastRecentlyUsedModelIsEvictedWhenTheBudgetIsFull() throws Exception {
        mme(settings(TWO_MODELS));
        await(mme.service().invoke(request("a.onnx")));
        await(mme.service().invoke(request("b.onnx")));
        await(mme.service().invoke(request("a.onnx")));

        await(mme.service().invoke(request("c.onnx")));
        assertThat(loadedNames()).containsExactly("a.onnx", "c.onnx");
        assertThat(evictions()).isEqualTo(1);
        assertThat(mme.usedBytes()).isEqualTo(2 * STEP);
        assertThat(host.models()).hasSize(2);

        // b comes back in place of a, now the least recently used.
        await(mme.service().invoke(request("b.onnx")));
        assertThat(loadedNames()).containsExactly("b.onnx", "c.onnx");
        assertThat(evictions()).isEqualTo(2);
        assertThat(timerCount(MmeMetrics.UNLOADING_TIME)).isEqualTo(2);
    }

    @Test
    void aModelWithARequestInFlightIsNeverEvicted() throws Exception {
        mme(settings(TWO_MODELS));
        CompletableFuture<InferenceResponse> held = hold(() -> mme.service().invoke(gatedRequest("a.onnx")));
        await(mme.service().invoke(request("b.onnx")));
        assertThat(mme.model("a.onnx").orElseThrow().inFlight()).isEqualTo(1);
        assertThat(mme.model("a.onnx").orElseThrow().lastUsedNanos())
                .isLessThan(mme.model("b.onnx").orElseThrow().lastUsedNanos());

        // a is the least recently used, but busy: b goes.
        await(mme.service().invoke(request("c.onnx")));
        assertThat(loadedNames()).containsExactly("a.onnx", "c.onnx");
        assertThat(held).isNotDone();

        gated.open();
        assertMlpAnswer(await(held));
        assertThat(mme.model("a.onnx").orElseThrow().inFlight()).isZero();
    }

    @Test
    void whenEveryOtherModelIsBusyTheLoadIsRefusedWith503() throws Exception {
        mme(settings(TWO_MODELS));
        CompletableFuture<InferenceResponse> heldA = hold(() -> mme.service().invoke(gatedRequest("a.onnx")));
        CompletableFuture<InferenceResponse> heldB = hold(() -> mme.service().invoke(gatedRequest("b.onnx")));

        assertThat(failureOf(mme.service().invoke(request("c.onnx")).toCompletableFuture())).satisfies(e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
            assertThat(e.getMessage()).startsWith("memory budget exhausted by models in use");
        });
        assertThat(loadedNames()).containsExactly("a.onnx", "b.onnx");
        assertThat(mme.usedBytes()).isEqualTo(2 * STEP);
        assertThat(host.models()).hasSize(2);

        gated.open();
        await(heldA);
        await(heldB);
        assertMlpAnswer(await(mme.service().invoke(request("c.onnx"))));
        assertThat(loadedNames()).hasSize(2).contains("c.onnx");
    }

    @Test
    void aModelLargerThanTheWholeBudgetGets507AndIsNotKept() throws Exception {
        mme(settings(5 * MB));
        assertThat(failureOf(mme.service().invoke(request("a.onnx")).toCompletableFuture())).satisfies(e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INSUFFICIENT_STORAGE);
            assertThat(e.code().httpStatus()).isEqualTo(507);
            assertThat(e.getMessage()).contains("target model 'a.onnx'", "whole memory budget");
        });
        assertThat(mme.usedBytes()).isZero();
        assertThat(host.models()).isEmpty();
        assertThat(mme.models()).isEmpty();

        // Its measured size is remembered: the next request is refused without loading it again.
        assertThat(failureOf(mme.service().invoke(request("a.onnx")).toCompletableFuture()).code())
                .isEqualTo(ErrorCode.INSUFFICIENT_STORAGE);
        assertThat(timerCount(MmeMetrics.LOADING_TIME)).isEqualTo(1);
    }

    @Test
    void anArtifactLargerThanTheBudgetOnDiskIsRefusedBeforeLoading() throws Exception {
        OnnxFixtures.slow(prefix.resolve("big"), 1); // 1 MiB of weights
        mme(settings(512 * 1024));
        assertThat(failureOf(mme.load("big", "big/slow.onnx")).code()).isEqualTo(ErrorCode.INSUFFICIENT_STORAGE);
        assertThat(timerCount(MmeMetrics.LOADING_TIME)).isZero();
    }

    @Test
    void memoryAnUnloadLeavesInTheProcessIsChargedToTheNextLoad() throws Exception {
        // The C allocator keeps what an unload frees: resident memory stays at its high-water mark, and the next load
        // reuses it without growing it.
        AtomicLong highWater = new AtomicLong();
        env.shutdown();
        env = new TestEnvironment(
                () -> BASE_RESIDENT + STEP * highWater.accumulateAndGet(host.models().size(), Math::max));
        mme(settings(TWO_MODELS));
        await(mme.service().invoke(request("a.onnx")));
        await(mme.service().invoke(request("b.onnx")));
        await(mme.unload("a.onnx"));
        assertThat(mme.usedBytes()).isEqualTo(STEP);

        await(mme.service().invoke(request("c.onnx")));
        assertThat(mme.model("c.onnx").orElseThrow().footprintBytes())
                .as("its own growth is zero, but it holds the memory a.onnx left").isEqualTo(STEP);
        assertThat(mme.usedBytes()).isEqualTo(2 * STEP);

        // d.onnx grows resident memory itself; the least recently used b.onnx makes room, and what it leaves behind
        // waits for the next load.
        await(mme.service().invoke(request("team/d.onnx")));
        assertThat(loadedNames()).containsExactly("c.onnx", "team/d.onnx");
        assertThat(mme.usedBytes()).isEqualTo(2 * STEP);

        // Two unloads leave twice a model's memory; a model like them is charged one model's worth, not all of it.
        await(mme.unload("c.onnx"));
        await(mme.unload("team/d.onnx"));
        await(mme.service().invoke(request("a.onnx")));
        assertThat(mme.model("a.onnx").orElseThrow().footprintBytes()).isEqualTo(STEP);
        assertThat(mme.usedBytes()).isEqualTo(STEP);
    }

    // ---- ModelCacheSetting=Disabled ----

    @Test
    void withTheCacheDisabledEveryInvocationUnloadsItsModel() throws Exception {
        mme(settings(TWO_MODELS).withCacheEnabled(false));
        assertMlpAnswer(await(mme.service().invoke(request("a.onnx"))));
        assertThat(mme.isLoaded("a.onnx")).isFalse();
        await(mme.whenLoaderIdle());
        assertThat(mme.usedBytes()).isZero();
        assertThat(host.models()).isEmpty();
        assertThat(timerCount(MmeMetrics.UNLOADING_TIME)).isEqualTo(1);

        assertMlpAnswer(await(mme.service().invoke(request("a.onnx"))));
        assertThat(timerCount(MmeMetrics.LOADING_TIME)).isEqualTo(2);
        assertThat(misses()).isEqualTo(2);
        assertThat(hits()).isZero();
    }

    @Test
    void withTheCacheDisabledConcurrentRequestsShareOneLoadAndTheLastOneUnloads() throws Exception {
        // Two runners and no batching: the held request blocks one runner, the other serves the quick one.
        Settings base = settings(TWO_MODELS);
        mme(new Settings(base.prefix(), TWO_MODELS, base.loadWait(), false, base.pipeline(), new RunnerConfig(2, 1, 64),
                BatchingConfig.disabled(), Map.of()));
        CompletableFuture<InferenceResponse> held = hold(() -> mme.service().invoke(gatedRequest("a.onnx")));
        assertMlpAnswer(await(mme.service().invoke(request("a.onnx"))));
        await(mme.whenLoaderIdle());
        assertThat(mme.usedBytes()).as("still in use by the held request").isEqualTo(STEP);

        gated.open();
        await(held);
        await(mme.whenLoaderIdle());
        assertThat(mme.usedBytes()).isZero();
        assertThat(host.models()).isEmpty();
        assertThat(timerCount(MmeMetrics.LOADING_TIME)).isEqualTo(1);
    }

    // ---- container API ----

    @Test
    void containerApiLoadsListsInvokesAndUnloads() throws Exception {
        mme(settings(100 * MB));
        LoadedModel m1 = await(mme.load("m1", "a.onnx"));
        assertThat(m1.name()).isEqualTo("m1");
        assertThat(m1.url()).isEqualTo(prefix.resolve("a.onnx").toAbsolutePath().toString());
        assertThat(m1.footprintBytes()).isEqualTo(STEP);
        assertThat(m1.loadedAt()).isNotNull();

        assertThat(failureOf(mme.load("m1", "b.onnx")).code()).isEqualTo(ErrorCode.ALREADY_LOADED);
        await(mme.load("m2", prefix.resolve("b.onnx").toAbsolutePath().toString()));
        await(mme.load("m3", prefix.resolve("c.onnx").toUri().toString()));

        assertThat(mme.models()).extracting(LoadedModel::name).containsExactly("m1", "m2", "m3");
        assertThat(mme.model("m2")).isPresent();
        assertThat(mme.model("nope")).isEmpty();
        assertMlpAnswer(await(mme.invoke("m3", request(null))));
        assertThat(failureOf(mme.invoke("nope", request(null)).toCompletableFuture()).code())
                .isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(failureOf(mme.unload("nope")).code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(timerCount(MmeMetrics.LOADING_TIME)).as("invoke never loads").isEqualTo(3);

        await(mme.unload("m1"));
        assertThat(mme.usedBytes()).isEqualTo(2 * STEP);
        assertThat(mme.model("m1")).isEmpty();
        assertThat(host.models()).hasSize(2);
        assertThat(failureOf(mme.invoke("m1", request(null)).toCompletableFuture()).code())
                .isEqualTo(ErrorCode.NOT_FOUND);
        // The name is free again.
        await(mme.load("m1", "a.onnx"));
    }

    @Test
    void implicitlyLoadedModelsAreVisibleToTheContainerApi() throws Exception {
        mme(settings(TWO_MODELS));
        await(mme.service().invoke(request("a.onnx")));
        assertThat(mme.models()).extracting(LoadedModel::name).containsExactly("a.onnx");
        assertMlpAnswer(await(mme.invoke("a.onnx", request(null))));
        assertThat(failureOf(mme.load("a.onnx", "a.onnx")).code()).isEqualTo(ErrorCode.ALREADY_LOADED);
        await(mme.unload("a.onnx"));
        assertThat(mme.usedBytes()).isZero();
    }

    @Test
    void unloadWaitsForInFlightRequestsAndThenFreesTheMemory() throws Exception {
        mme(settings(TWO_MODELS));
        await(mme.load("m1", "a.onnx"));
        CompletableFuture<InferenceResponse> held = hold(() -> mme.invoke("m1", gatedRequest(null)));

        CompletableFuture<Void> unloaded = mme.unload("m1");
        assertThat(unloaded).isNotDone();
        assertThat(mme.isLoaded("m1")).isFalse();
        assertThat(mme.usedBytes()).isEqualTo(STEP);
        assertThat(failureOf(mme.invoke("m1", request(null)).toCompletableFuture()).code())
                .isEqualTo(ErrorCode.NOT_FOUND);

        gated.open();
        assertMlpAnswer(await(held));
        await(unloaded);
        assertThat(mme.usedBytes()).isZero();
        assertThat(host.models()).isEmpty();
        assertThat(gauge(MmeMetrics.LOADED_MODELS)).isZero();
    }

    // ---- bad targets and failed loads ----

    @Test
    void aMissingTargetModelHeaderIs400() {
        mme(settings(TWO_MODELS));
        assertThat(failureOf(mme.service().invoke(request(null)).toCompletableFuture())).satisfies(e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
            assertThat(e.getMessage())
                    .isEqualTo("X-Amzn-SageMaker-Target-Model is required for multi-model endpoint ep");
        });
    }

    @Test
    void targetModelsThatLeaveThePrefixAre400() throws Exception {
        Files.writeString(tmp.resolve("secret.onnx"), "not for clients");
        mme(settings(TWO_MODELS));
        for (String target : List.of("../secret.onnx", "team/../../secret.onnx", "/etc/passwd", "s3://other/a.onnx",
                "team\\..\\..\\secret.onnx", "./a.onnx", "team//d.onnx", "C:/secret.onnx")) {
            assertThat(failureOf(mme.service().invoke(request(target)).toCompletableFuture()).code())
                    .as(target).isEqualTo(ErrorCode.VALIDATION_ERROR);
        }
        assertThat(failureOf(mme.load("x", "../secret.onnx")).code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(timerCount(MmeMetrics.LOADING_TIME)).isZero();
        assertThat(host.models()).isEmpty();
    }

    @Test
    void aFailedLoadFailsItsWaitersAndIsRetriedByTheNextRequest() throws Exception {
        mme(settings(TWO_MODELS));
        env.holdLoads();
        CompletableFuture<InferenceResponse> first = mme.service().invoke(request("late.onnx")).toCompletableFuture();
        CompletableFuture<InferenceResponse> second = mme.service().invoke(request("late.onnx")).toCompletableFuture();
        env.releaseLoads();
        for (CompletableFuture<InferenceResponse> call : List.of(first, second)) {
            assertThat(failureOf(call)).satisfies(e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
                assertThat(e.getMessage()).contains("target model 'late.onnx'", "does not exist");
            });
        }
        assertThat(mme.models()).isEmpty();

        Files.copy(prefix.resolve("a.onnx"), prefix.resolve("late.onnx"));
        assertMlpAnswer(await(mme.service().invoke(request("late.onnx"))));
        assertThat(mme.isLoaded("late.onnx")).isTrue();
    }

    @Test
    void anArtifactOnnxRuntimeCannotReadIs400NamingTheTarget() throws Exception {
        Files.writeString(prefix.resolve("broken.onnx"), "not a model");
        mme(settings(TWO_MODELS));
        assertThat(failureOf(mme.service().invoke(request("broken.onnx")).toCompletableFuture())).satisfies(e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
            assertThat(e.getMessage()).contains("target model 'broken.onnx'");
        });
        assertThat(host.models()).isEmpty();
        assertThat(mme.usedBytes()).isZero();
    }

    @Test
    void closeFailsWaitingRequestsAndUnloadsEverything() throws Exception {
        mme(settings(TWO_MODELS));
        await(mme.service().invoke(request("a.onnx")));
        env.holdLoads();
        CompletableFuture<InferenceResponse> waiting = mme.service().invoke(request("b.onnx")).toCompletableFuture();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(mme::close);
        assertThat(failureOf(waiting).code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        env.releaseLoads();
        await(closing);
        assertThat(host.models()).isEmpty();
        assertThat(failureOf(mme.service().invoke(request("a.onnx")).toCompletableFuture()).code())
                .isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        assertThat(registry.find(MmeMetrics.LOADED_MODELS).gauges()).isEmpty();
    }

    // ---- the real environment ----

    @Test
    void withTheRealEnvironmentFootprintsComeFromResidentMemory() throws Exception {
        try (MultiModelHost real = new MultiModelHost("real", Settings.defaults(prefix.toString()), host, registry)) {
            assertMlpAnswer(await(real.service().invoke(request("a.onnx"))));
            LoadedModel model = real.model("a.onnx").orElseThrow();
            assertThat(model.footprintBytes()).isGreaterThanOrEqualTo(Files.size(prefix.resolve("a.onnx")));
            assertThat(real.usedBytes()).isEqualTo(model.footprintBytes());
            await(real.unload("a.onnx"));
            assertThat(real.usedBytes()).isZero();
            assertThat(host.models()).isEmpty();
        }
    }

    // ---- settings ----

    @Test
    void defaultsAreDocumentedOnes() {
        Settings defaults = Settings.defaults("s3://bucket/models/");
        assertThat(defaults.loadWait()).isEqualTo(Duration.ofSeconds(5));
        assertThat(defaults.cacheEnabled()).isTrue();
        assertThat(defaults.pipeline()).isEqualTo("tensor");
        assertThat(defaults.runners().workers()).isEqualTo(1);
        assertThat(defaults.runners().intraOpThreads()).isEqualTo(1);
        assertThat(defaults.memoryBudgetBytes()).isEqualTo(Settings.defaultMemoryBudget());

        long physical = MmeMemory.physicalMemoryBytes();
        long expected = Math.max(Settings.MIN_DEFAULT_BUDGET,
                (physical - Runtime.getRuntime().maxMemory()) / 2);
        assertThat((double) Settings.defaultMemoryBudget()).isCloseTo(expected, within(2.0));
    }

    @Test
    void invalidSettingsNameTheField() {
        Settings ok = Settings.defaults(prefix.toString());
        assertThatThrownBy(() -> ok.withMemoryBudget(0)).hasMessageContaining("memoryBudgetBytes");
        assertThatThrownBy(() -> ok.withLoadWait(Duration.ofSeconds(-1))).hasMessageContaining("loadWait");
        assertThatThrownBy(() -> Settings.defaults(" ")).hasMessageContaining("prefix");
        assertThatThrownBy(() -> Settings.defaults("http://example.com/models")).hasMessageContaining("prefix");
        assertThatThrownBy(() -> Settings.defaults("s3://")).hasMessageContaining("prefix");
        assertThatThrownBy(() -> new Settings("/m", 1, Duration.ZERO, true, "nope", null, null, null))
                .hasMessageContaining("pipeline");
        assertThatThrownBy(() -> new MultiModelHost(" ", ok, host, registry)).hasMessageContaining("name");
    }

    // ---- helpers ----

    static final float[] ROW = {1f, 2f, 3f, 4f};

    final ExecutorService callers = Executors.newCachedThreadPool(
            task -> Thread.ofPlatform().name("test-caller").daemon(true).unstarted(task));

    /**
     * Makes a gated call from a thread of its own (an encoder that finds the model's answer already there runs on the
     * calling thread) and returns once the request is in the encoder, so it is in flight for as long as the gate is
     * shut.
     */
    CompletableFuture<InferenceResponse> hold(Supplier<CompletionStage<InferenceResponse>> call) throws Exception {
        CompletableFuture<InferenceResponse> response = CompletableFuture.supplyAsync(call, callers)
                .thenCompose(stage -> stage);
        if (!gated.entered.tryAcquire(60, TimeUnit.SECONDS)) {
            throw new AssertionError("the held request never reached its encoder");
        }
        return response;
    }

    static InferenceRequest request(String target) {
        return new InferenceRequest("1,2,3,4".getBytes(StandardCharsets.UTF_8), LinesCodec.MEDIA_TYPE,
                LinesCodec.MEDIA_TYPE, null, target, null, null, null, System.nanoTime());
    }

    static InferenceRequest gatedRequest(String target) {
        return new InferenceRequest("1,2,3,4".getBytes(StandardCharsets.UTF_8), GatedCodec.MEDIA_TYPE,
                GatedCodec.MEDIA_TYPE, null, target, null, null, null, System.nanoTime());
    }

    static void assertMlpAnswer(InferenceResponse response) {
        String[] cells = new String(response.body(), StandardCharsets.UTF_8).trim().split(",");
        double[] expected = OnnxFixtures.mlpReference(ROW);
        assertThat(cells).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat(Double.parseDouble(cells[i])).isCloseTo(expected[i], within(1e-4));
        }
    }

    List<String> loadedNames() {
        return mme.models().stream().map(LoadedModel::name).toList();
    }

    double hits() {
        return registry.get(MmeMetrics.CACHE_HITS).tag(MmeMetrics.TAG_HOST, HOST).counter().count();
    }

    double misses() {
        return registry.get(MmeMetrics.CACHE_MISSES).tag(MmeMetrics.TAG_HOST, HOST).counter().count();
    }

    double evictions() {
        return registry.get(MmeMetrics.EVICTIONS).tag(MmeMetrics.TAG_HOST, HOST).counter().count();
    }

    long timerCount(String name) {
        return registry.get(name).tag(MmeMetrics.TAG_HOST, HOST).timer().count();
    }

    double gauge(String name) {
        return registry.get(name).tag(MmeMetrics.TAG_HOST, HOST).gauge().value();
    }

    static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    static SluiceException failureOf(CompletableFuture<?> future) {
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> future.get(60, TimeUnit.SECONDS));
        assertThat(e.getCause()).isInstanceOf(SluiceException.class);
        return (SluiceException) e.getCause();
    }

    /**
     * A virtual {@link MmeEnvironment}: a ticker that advances one tick per call, a timer that fires only when told,
     * a loader that can hold its tasks back, and a scripted resident-memory probe.
     */
    static final class TestEnvironment implements MmeEnvironment {
        final AtomicLong ticks = new AtomicLong();
        final LongSupplier resident;
        final List<Runnable> timers = new ArrayList<>();
        final List<Boolean> cancelled = new ArrayList<>();
        final List<Duration> delays = new ArrayList<>();
        final ExecutorService delegate = Executors.newSingleThreadExecutor(
                task -> Thread.ofPlatform().name("test-mme-loader").daemon(true).unstarted(task));
        /** Many threads: a waiting request whose encoder the test holds must not hold up the others. */
        final ExecutorService waiters = Executors.newCachedThreadPool(
                task -> Thread.ofPlatform().name("test-mme-waiters").daemon(true).unstarted(task));
        final List<Runnable> held = new ArrayList<>();
        boolean holding;

        TestEnvironment(LongSupplier resident) {
            this.resident = resident;
        }

        @Override
        public long nanoTime() {
            return ticks.incrementAndGet();
        }

        @Override
        public synchronized Runnable schedule(Duration delay, Runnable task) {
            int index = timers.size();
            timers.add(task);
            cancelled.add(false);
            delays.add(delay);
            return () -> {
                synchronized (this) {
                    cancelled.set(index, true);
                }
            };
        }

        void fireTimer(int index) {
            Runnable task;
            synchronized (this) {
                if (cancelled.get(index)) {
                    return;
                }
                cancelled.set(index, true);
                task = timers.get(index);
            }
            task.run();
        }

        @Override
        public Executor waiters() {
            return waiters;
        }

        @Override
        public Executor loader() {
            return this::execute;
        }

        private synchronized void execute(Runnable task) {
            if (holding) {
                held.add(task);
            } else {
                delegate.execute(task);
            }
        }

        synchronized void holdLoads() {
            holding = true;
        }

        synchronized void releaseLoads() {
            holding = false;
            held.forEach(delegate::execute);
            held.clear();
        }

        @Override
        public long residentBytes() {
            return resident.getAsLong();
        }

        @Override
        public void close() {
            // The test owns it: see shutdown().
        }

        void shutdown() {
            delegate.shutdownNow();
            waiters.shutdownNow();
        }
    }

    /**
     * {@link LinesCodec} whose encoder waits until the test opens it: the request stays in flight (on its model's
     * runner thread) exactly as long as the test wants.
     */
    static final class GatedCodec implements PayloadCodec {
        static final String MEDIA_TYPE = "text/x-gated-lines";
        private final LinesCodec lines = new LinesCodec();
        private final CountDownLatch gate = new CountDownLatch(1);
        /** One permit per request that reached the encoder (and so is in flight, its model pinned). */
        final Semaphore entered = new Semaphore(0);

        void open() {
            gate.countDown();
        }

        @Override
        public List<String> mediaTypes() {
            return List.of(MEDIA_TYPE);
        }

        @Override
        public DecodedPayload decode(byte[] body, ModelSignature signature) {
            return lines.decode(body, signature);
        }

        @Override
        public byte[] encode(Map<String, Tensor> outputs, EncodeContext context) {
            entered.release();
            try {
                if (!gate.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never opened the gate");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return lines.encode(outputs, context);
        }
    }
}
