package dev.sluice.neo.internal;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.sluice.neo.CompileReport;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Load time and run latency of the source model (loaded as hosts load plain models: ORT optimising at session
 * creation) against the artifact (loaded with its manifest's level), on one sample input. Runs alternate between the
 * two so that a busy machine slows both alike; the median is reported. Load time is the faster of two session
 * creations each.
 */
public final class LatencyProbe {
    static final int MIN_RUNS = 10;
    static final int MAX_RUNS = 2000;

    private LatencyProbe() {
    }

    public static CompileReport.Latency measure(byte[] original, byte[] compiled, String compiledLevel,
                                                Map<String, SampleInputs.Sample> input, int threads, long budgetNanos)
            throws OrtException {
        double loadBefore = Double.MAX_VALUE;
        double loadAfter = Double.MAX_VALUE;
        try (OrtSession.SessionOptions before = OrtSupport.options("all", threads);
             OrtSession.SessionOptions after = OrtSupport.options(compiledLevel, threads)) {
            for (int i = 0; i < 2; i++) {
                long t0 = System.nanoTime();
                OrtSupport.env().createSession(original, before).close();
                long t1 = System.nanoTime();
                OrtSupport.env().createSession(compiled, after).close();
                long t2 = System.nanoTime();
                loadBefore = Math.min(loadBefore, (t1 - t0) / 1e6);
                loadAfter = Math.min(loadAfter, (t2 - t1) / 1e6);
            }
            Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
            try (OrtSession a = OrtSupport.env().createSession(original, before);
                 OrtSession b = OrtSupport.env().createSession(compiled, after)) {
                for (SampleInputs.Sample s : input.values()) {
                    tensors.put(s.name(), s.toOnnx(OrtSupport.env()));
                }
                for (int i = 0; i < 3; i++) {
                    a.run(tensors).close();
                    b.run(tensors).close();
                }
                long[] ta = new long[MAX_RUNS];
                long[] tb = new long[MAX_RUNS];
                int runs = 0;
                long deadline = System.nanoTime() + budgetNanos;
                while (runs < MAX_RUNS && (runs < MIN_RUNS || System.nanoTime() < deadline)) {
                    long t0 = System.nanoTime();
                    a.run(tensors).close();
                    long t1 = System.nanoTime();
                    b.run(tensors).close();
                    long t2 = System.nanoTime();
                    ta[runs] = t1 - t0;
                    tb[runs] = t2 - t1;
                    runs++;
                }
                return new CompileReport.Latency("measured", "", SampleInputs.describe(input) + ", median of " + runs
                        + " runs", threads, loadBefore, loadAfter, median(ta, runs) / 1e6, median(tb, runs) / 1e6);
            } finally {
                tensors.values().forEach(OnnxTensor::close);
            }
        }
    }

    private static double median(long[] values, int n) {
        long[] sorted = Arrays.copyOf(values, n);
        Arrays.sort(sorted);
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }
}
