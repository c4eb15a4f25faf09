package dev.sluice.modelhost.bench;

import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.InferenceService;
import dev.sluice.core.codec.CodecRegistry;
import dev.sluice.modelhost.HostedModel;
import dev.sluice.modelhost.ModelHost;
import dev.sluice.modelhost.MultiModelHost;
import dev.sluice.modelhost.MultiModelHost.Settings;
import dev.sluice.modelhost.internal.MmeMemory;
import dev.sluice.modelhost.internal.MmeMetrics;
import dev.sluice.modelhost.testing.OnnxFixtures;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The multi-model host under a SageMaker-like workload (not a test: it prints numbers, see bench/multimodel.sh and
 * docs/benchmarks.md).
 *
 * <ol>
 *   <li>Hit overhead: one loaded model, invoked alternately through the host and straight through its pipeline, one
 *       request at a time.</li>
 *   <li>Zipf: {@code models} generated models behind one host whose budget holds {@code resident} of them (sized from
 *       footprints measured on a calibration run), one client, Zipf(s) popularity, bounded by a request count and a
 *       time limit. Reports hit ratio, hit and miss latency, load time and peak resident memory against the
 *       budget.</li>
 *   <li>Leak check: load and unload one model {@code cycles} times; resident memory at the start, middle and end.</li>
 * </ol>
 * Arguments: {@code WORKDIR [models=1000] [resident=100] [requests=20000] [seconds=60] [zipfS=1.0] [cycles=1000]}.
 */
public final class MultiModelBench {
    /** One row of {@link OnnxFixtures#SLOW_WIDTH} features for the 1 MiB models ({@code OnnxFixtures.slow(dir, 1)}). */
    private static final byte[] BODY = body();
    private static final String JSON = "application/json";
    private static final int OVERHEAD_REQUESTS = 30_000;
    private static final int CALIBRATION_MODELS = 30;
    private static final boolean TRACE = Boolean.getBoolean("bench.trace");

    private MultiModelBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println(
                    "usage: MultiModelBench WORKDIR [models] [resident] [requests] [seconds] [zipfS] [cycles]");
            System.exit(2);
        }
        Path work = Path.of(args[0]);
        int models = intArg(args, 1, 1000);
        int residentTarget = intArg(args, 2, 100);
        int requests = intArg(args, 3, 20_000);
        int seconds = intArg(args, 4, 60);
        double zipfS = args.length > 5 ? Double.parseDouble(args[5]) : 1.0;
        int cycles = intArg(args, 6, 1000);

        Path prefix = work.resolve("models");
        // One 512 x 512 FP32 MatMul: 1 MiB of weights, about 0.1 ms a request. Small for a multi-model endpoint, yet
        // large enough that a model's memory is mostly its weights rather than allocator noise.
        Path mlp = OnnxFixtures.slow(work.resolve("fixture"), 1);
        Files.createDirectories(prefix);
        for (int i = 0; i < models; i++) {
            Files.copy(mlp, prefix.resolve(modelName(i)));
        }
        System.out.printf(Locale.ROOT, "jvm: %s, max heap %d MiB, %d cpus; %d models of %d bytes under %s%n",
                Runtime.version(), Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors(),
                models, Files.size(mlp), prefix);
        System.out.printf(Locale.ROOT, "default budget for this JVM: %d MiB (physical %d MiB)%n",
                Settings.defaultMemoryBudget() >> 20, MmeMemory.physicalMemoryBytes() >> 20);

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Settings unbounded = Settings.defaults(prefix.toString()).withMemoryBudget(1L << 40);
        // The calibration and overhead hosts stay open to the end: models they unloaded would leave memory behind
        // that the Zipf host's first loads reuse, and its footprints would look smaller than they are.
        try (ModelHost host = new ModelHost(work.resolve("work"), registry, CodecRegistry.standard());
             MultiModelHost calibration = new MultiModelHost("calibration", unbounded, host, registry);
             MultiModelHost overhead = new MultiModelHost("overhead", unbounded, host, registry)) {
            long footprint = calibrate(calibration);
            long budget = footprint * residentTarget + footprint / 2;
            System.out.printf(Locale.ROOT, "calibration: mean footprint %.1f KiB over %d fresh loads -> budget "
                    + "%.1f MiB (%d models)%n", footprint / 1024.0, CALIBRATION_MODELS, budget / 1048576.0,
                    residentTarget);

            hitOverhead(host, overhead);
            zipf(host, registry, prefix, models, budget, requests, seconds, zipfS);
            cycles(prefix, host, registry, cycles);
        }
    }

    /** Mean footprint of fresh loads (nothing unloaded yet, so nothing reused), after a few to warm the JIT. */
    private static long calibrate(MultiModelHost mme) throws Exception {
        for (int i = 0; i < 10; i++) {
            ok(mme.service().invoke(request(modelName(i))));
        }
        long before = mme.usedBytes();
        for (int i = 10; i < 10 + CALIBRATION_MODELS; i++) {
            ok(mme.service().invoke(request(modelName(i))));
        }
        return (mme.usedBytes() - before) / CALIBRATION_MODELS;
    }

    /**
     * The same loaded model, alternately straight through its pipeline and through the multi-model host, one request
     * at a time; the difference of the two distributions is what a hit adds (target join, lookup, pin, metrics).
     */
    private static void hitOverhead(ModelHost host, MultiModelHost mme) throws Exception {
        String target = modelName(0);
        ok(mme.service().invoke(request(target)));
        HostedModel hosted = host.models().stream().filter(m -> m.name().startsWith("overhead-"))
                .findFirst().orElseThrow();
        InferenceService direct = hosted.service();
        InferenceService through = mme.service();
        long[] directNanos = new long[OVERHEAD_REQUESTS];
        long[] mmeNanos = new long[OVERHEAD_REQUESTS];
        InferenceRequest request = request(target);
        for (int i = 0; i < 5_000; i++) {
            ok(direct.invoke(request));
            ok(through.invoke(request));
        }
        for (int i = 0; i < OVERHEAD_REQUESTS; i++) {
            long t0 = System.nanoTime();
            ok(direct.invoke(request));
            long t1 = System.nanoTime();
            ok(through.invoke(request));
            long t2 = System.nanoTime();
            directNanos[i] = t1 - t0;
            mmeNanos[i] = t2 - t1;
        }
        Arrays.sort(directNanos);
        Arrays.sort(mmeNanos);
        System.out.printf(Locale.ROOT, "hit latency, %d sequential requests each: direct pipeline p50 %.1f us p99 "
                        + "%.1f us; through the multi-model host p50 %.1f us p99 %.1f us; overhead p50 %+.1f us "
                        + "p99 %+.1f us%n", OVERHEAD_REQUESTS,
                micros(percentile(directNanos, 50)), micros(percentile(directNanos, 99)),
                micros(percentile(mmeNanos, 50)), micros(percentile(mmeNanos, 99)),
                micros(percentile(mmeNanos, 50) - percentile(directNanos, 50)),
                micros(percentile(mmeNanos, 99) - percentile(directNanos, 99)));
    }

    private static void zipf(ModelHost host, SimpleMeterRegistry registry, Path prefix, int models, long budget,
                             int requests, int seconds, double s) throws Exception {
        Settings settings = Settings.defaults(prefix.toString()).withMemoryBudget(budget);
        try (MultiModelHost mme = new MultiModelHost("zipf", settings, host, registry)) {
            ok(mme.service().invoke(request(modelName(0))));
            // VmHWM from here on: writing 5 to clear_refs resets the peak to the current resident set (Linux >= 4.0).
            boolean peakReset = resetPeak();
            long rssStart = MmeMemory.residentBytes();
            long maxRss = rssStart;
            double[] cumulative = zipfCumulative(models, s);
            // A fixed seed and a fixed mapping of rank to model: the same sequence every run.
            SplittableRandom random = new SplittableRandom(42);
            long[] hitNanos = new long[requests];
            long[] missNanos = new long[requests];
            int hits = 0;
            int misses = 0;
            int maxResident = 0;
            long maxUsed = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            long started = System.nanoTime();
            int done = 0;
            for (; done < requests && System.nanoTime() < deadline; done++) {
                String target = modelName(rank(cumulative, random.nextDouble()));
                // One client: whether the model is loaded before the call decides hit or miss exactly.
                boolean loaded = mme.isLoaded(target);
                long t0 = System.nanoTime();
                ok(mme.service().invoke(request(target)));
                long elapsed = System.nanoTime() - t0;
                if (loaded) {
                    hitNanos[hits++] = elapsed;
                } else {
                    missNanos[misses++] = elapsed;
                }
                if (TRACE && done % 1000 == 0) {
                    System.out.printf(Locale.ROOT, "    trace %d: %d models, used %.1f MiB, rss %.1f MiB, hits %d%n",
                            done, mme.models().size(), mme.usedBytes() / 1048576.0,
                            MmeMemory.residentBytes() / 1048576.0, hits);
                }
                if ((done & 15) == 0) {
                    maxResident = Math.max(maxResident, mme.models().size());
                    maxUsed = Math.max(maxUsed, mme.usedBytes());
                    maxRss = Math.max(maxRss, MmeMemory.residentBytes());
                }
            }
            double wall = (System.nanoTime() - started) / 1e9;
            long[] hitSorted = Arrays.copyOf(hitNanos, hits);
            long[] missSorted = Arrays.copyOf(missNanos, misses);
            Arrays.sort(hitSorted);
            Arrays.sort(missSorted);
            Timer loading = registry.get(MmeMetrics.LOADING_TIME).tag(MmeMetrics.TAG_HOST, "zipf").timer();
            Timer unloading = registry.get(MmeMetrics.UNLOADING_TIME).tag(MmeMetrics.TAG_HOST, "zipf").timer();
            long rssNow = MmeMemory.residentBytes();
            long peak = MmeMemory.peakResidentBytes();
            System.out.printf(Locale.ROOT, "zipf(s=%.2f) over %d models, budget %.1f MiB: %d requests in %.1f s "
                            + "(%.0f req/s)%n", s, models, budget / 1048576.0, done, wall, done / wall);
            System.out.printf(Locale.ROOT, "  hit ratio %.3f (%d hits, %d misses), evictions %.0f%n",
                    hits / (double) Math.max(1, done), hits, misses,
                    registry.get(MmeMetrics.EVICTIONS).tag(MmeMetrics.TAG_HOST, "zipf").counter().count());
            System.out.printf(Locale.ROOT, "  hit latency p50 %.1f us p99 %.1f us%n",
                    micros(percentile(hitSorted, 50)), micros(percentile(hitSorted, 99)));
            System.out.printf(Locale.ROOT, "  miss latency p50 %.2f ms p99 %.2f ms; model loading time mean %.2f ms "
                            + "max %.2f ms (%d loads); unloading mean %.2f ms%n",
                    millis(percentile(missSorted, 50)), millis(percentile(missSorted, 99)),
                    loading.mean(TimeUnit.MILLISECONDS), loading.max(TimeUnit.MILLISECONDS), loading.count(),
                    unloading.mean(TimeUnit.MILLISECONDS));
            System.out.printf(Locale.ROOT, "  models in memory at most %d; accounted footprints at most %.1f MiB of "
                            + "%.1f MiB budget%n", maxResident, maxUsed / 1048576.0, budget / 1048576.0);
            long top = peakReset ? Math.max(peak, maxRss) : maxRss;
            System.out.printf(Locale.ROOT, "  resident memory: %.1f MiB at the start (one model), %.1f MiB at the end, "
                            + "peak %.1f MiB (%s); peak growth %.1f MiB = %.2f x budget%n",
                    rssStart / 1048576.0, rssNow / 1048576.0, top / 1048576.0,
                    peakReset ? "VmHWM since the start" : "sampled every 16 requests",
                    (top - rssStart) / 1048576.0, (top - rssStart) / (double) budget);
        }
    }

    private static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static void cycles(Path prefix, ModelHost host, SimpleMeterRegistry registry, int cycles)
            throws Exception {
        Settings settings = Settings.defaults(prefix.toString()).withMemoryBudget(1L << 40);
        try (MultiModelHost mme = new MultiModelHost("cycles", settings, host, registry)) {
            long[] rss = new long[3];
            long started = System.nanoTime();
            for (int i = 0; i <= cycles; i++) {
                if (i == 0 || i == cycles / 2 || i == cycles) {
                    rss[i == 0 ? 0 : i == cycles ? 2 : 1] = MmeMemory.residentBytes();
                }
                if (i == cycles) {
                    break;
                }
                mme.load("cycle", modelName(0)).get(60, TimeUnit.SECONDS);
                ok(mme.invoke("cycle", request(null)));
                mme.unload("cycle").get(60, TimeUnit.SECONDS);
            }
            double wall = (System.nanoTime() - started) / 1e9;
            System.out.printf(Locale.ROOT, "%d load/invoke/unload cycles of one model in %.1f s: resident memory "
                            + "%.1f MiB at the start, %.1f MiB after %d, %.1f MiB at the end (%+.1f MiB over the "
                            + "second half)%n", cycles, wall, rss[0] / 1048576.0, rss[1] / 1048576.0, cycles / 2,
                    rss[2] / 1048576.0, (rss[2] - rss[1]) / 1048576.0);
        }
    }

    private static double[] zipfCumulative(int n, double s) {
        double[] cumulative = new double[n];
        double sum = 0;
        for (int k = 1; k <= n; k++) {
            sum += 1 / Math.pow(k, s);
            cumulative[k - 1] = sum;
        }
        for (int i = 0; i < n; i++) {
            cumulative[i] /= sum;
        }
        return cumulative;
    }

    private static int rank(double[] cumulative, double u) {
        int index = Arrays.binarySearch(cumulative, u);
        return Math.min(cumulative.length - 1, index >= 0 ? index : -index - 1);
    }

    private static byte[] body() {
        StringBuilder row = new StringBuilder("{\"inputs\":{\"input\":[[");
        for (int i = 0; i < OnnxFixtures.SLOW_WIDTH; i++) {
            row.append(i == 0 ? "" : ",").append(i % 7);
        }
        return row.append("]]}}").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String modelName(int i) {
        return String.format(Locale.ROOT, "m%04d.onnx", i);
    }

    private static InferenceRequest request(String target) {
        return new InferenceRequest(BODY, JSON, JSON, null, target, null, null, null, System.nanoTime());
    }

    private static InferenceResponse ok(java.util.concurrent.CompletionStage<InferenceResponse> stage)
            throws Exception {
        return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    private static long percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static double micros(long nanos) {
        return nanos / 1e3;
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }

    private static int intArg(String[] args, int index, int fallback) {
        return args.length > index ? Integer.parseInt(args[index]) : fallback;
    }
}
