package dev.sluice.modelhost.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * The reference for batch transform: rows/s of ONNX Runtime alone on an in-memory FP32 batch (no parsing, no
 * encoding, no HTTP), with the session options Sluice uses by default (1 intra-op thread per runner) and one runner
 * per core. Usage: {@code RawOrtBench MODEL.onnx ROWS BATCH_ROWS FEATURES}.
 */
public final class RawOrtBench {
    private RawOrtBench() {
    }

    public static void main(String[] args) throws Exception {
        String model = args[0];
        long rows = Long.parseLong(args[1]);
        int batch = Integer.parseInt(args[2]);
        int features = Integer.parseInt(args[3]);
        int runners = Runtime.getRuntime().availableProcessors();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[] data = new float[batch * features];
        for (int i = 0; i < data.length; i++) {
            data[i] = (i % features) * 0.5f - 1f;
        }
        long perRunner = (rows + runners - 1) / runners;
        Thread[] threads = new Thread[runners];
        long start = System.nanoTime();
        for (int r = 0; r < runners; r++) {
            threads[r] = Thread.ofPlatform().name("raw-ort-" + r).start(() -> {
                try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                    options.setIntraOpNumThreads(1);
                    try (OrtSession session = env.createSession(model, options)) {
                        String input = session.getInputNames().iterator().next();
                        for (long done = 0; done < perRunner; done += batch) {
                            try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(data),
                                    new long[] {batch, features});
                                 OrtSession.Result result = session.run(Map.of(input, tensor))) {
                                if (result.size() == 0) {
                                    throw new IllegalStateException("no output");
                                }
                            }
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%d %.3f%n", perRunner * runners, seconds);
    }
}
