package dev.sluice.neo.bench;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.sluice.neo.CompileListener;
import dev.sluice.neo.CompileRequest;
import dev.sluice.neo.CompileResult;
import dev.sluice.neo.Compiler;
import dev.sluice.neo.testing.Artifacts;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The compiler benchmark (not a test): compiles all-MiniLM-L6-v2 fp32 (from the langchain4j fp32 jar) for
 * {@code ml_c5} with int8 and compares it, in one run, with the reference int8 model of the {@code -q} jar:
 * <ul>
 *   <li>throughput at batch 1 and 8, 16 and 128 tokens, each model in its own session with the same intra-op threads,
 *       rounds interleaved so that a busy machine slows every model alike (median of the rounds);</li>
 *   <li>cosine similarity of mean-pooled embeddings to the fp32 model over 240 generated sentences (templates ×
 *       vocabulary, seeded: the same sentences every run, nothing downloaded), each sentence run alone.</li>
 * </ul>
 * The compiled artifact is loaded as a host loads it (its manifest: optimisation disabled); the reference and fp32 as
 * the host loads plain models (ORT optimising at load, level all).
 *
 * <p>Usage: {@code CompileBench [threads=2] [roundMillis=1500] [rounds=5]}; run by {@code bench/compile.sh}.
 */
public final class CompileBench {
    static final int SENTENCES = 240;

    private CompileBench() {
    }

    public static void main(String[] args) throws Exception {
        int[] threads = Arrays.stream((args.length > 0 ? args[0] : "1,2").split(",")).mapToInt(Integer::parseInt)
                .toArray();
        long budgetMillis = args.length > 1 ? Long.parseLong(args[1]) : 8000;
        Path work = Files.createTempDirectory("sluice-compile-bench-");
        try {
            run(work, threads, budgetMillis);
        } finally {
            try (var walk = Files.walk(work)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void run(Path work, int[] threadCounts, long budgetMillis) throws Exception {
        Path fp32 = resource("all-minilm-l6-v2.onnx", work);
        Path reference = resource("all-minilm-l6-v2-q.onnx", work);
        Path tokenizerJson = resource("all-minilm-l6-v2-tokenizer.json", work);

        long t0 = System.nanoTime();
        CompileResult compiled = Compiler.compile(new CompileRequest(fp32, "ml_c5", Map.of(), Map.of("dtype", "int8"),
                work.resolve("minilm-ml_c5.tar.gz"), null, null), CompileListener.NONE);
        double compileSeconds = (System.nanoTime() - t0) / 1e9;
        Path ours = Files.write(work.resolve("compiled.onnx"), Artifacts.entries(compiled.artifact()).get("model.onnx"));
        System.out.println(compiled.report().toText());
        System.out.printf(Locale.ROOT, "compile time %.1f s, artifact %s (%.1f MB)%n%n", compileSeconds,
                compiled.artifact().getFileName(), Files.size(compiled.artifact()) / 1e6);

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<String> sentences = sentences(SENTENCES, 42);
        Map<String, OrtSession> sessions = new java.util.LinkedHashMap<>();
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson,
                Map.of("padding", "false", "truncation", "true", "maxLength", "256"))) {
            System.out.printf(Locale.ROOT, "## Throughput (sequences/s from the median run time; runs of the three"
                    + " models interleaved one by one for %d s per row)%n%n", budgetMillis / 1000);
            System.out.println("| intra-op threads | batch | tokens | sluice ml_c5 int8 | reference int8 | fp32 |"
                    + " sluice / reference | sluice / fp32 |");
            System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|");
            for (int threads : threadCounts) {
                List<OrtSession> list = List.of(
                        session(env, ours, OrtSession.SessionOptions.OptLevel.NO_OPT, threads),
                        session(env, reference, OrtSession.SessionOptions.OptLevel.ALL_OPT, threads),
                        session(env, fp32, OrtSession.SessionOptions.OptLevel.ALL_OPT, threads));
                for (int batch : new int[] {1, 8}) {
                    for (int tokens : new int[] {16, 128}) {
                        Map<String, OnnxTensor> feeds = feeds(env, tokenizer, sentences, batch, tokens);
                        double[] rates = throughput(list, feeds, batch, budgetMillis);
                        System.out.printf(Locale.ROOT, "| %d | %d | %d | %.1f | %.1f | %.1f | %.2fx | %.2fx |%n",
                                threads, batch, tokens, rates[0], rates[1], rates[2], rates[0] / rates[1],
                                rates[0] / rates[2]);
                        feeds.values().forEach(OnnxTensor::close);
                    }
                }
                if (sessions.isEmpty()) {
                    sessions.put("sluice ml_c5 int8", list.get(0));
                    sessions.put("reference int8 (-q jar)", list.get(1));
                    sessions.put("fp32 original", list.get(2));
                } else {
                    for (OrtSession s : list) {
                        s.close();
                    }
                }
            }

            System.out.printf(Locale.ROOT, "%n## Accuracy: cosine similarity of mean-pooled embeddings to fp32 (%d"
                    + " generated sentences, each run alone)%n%n", sentences.size());
            double[][] cos = new double[2][sentences.size()];
            int totalTokens = 0;
            for (int s = 0; s < sentences.size(); s++) {
                Encoding encoding = tokenizer.encode(sentences.get(s));
                totalTokens += encoding.getIds().length;
                float[] truth = embed(env, sessions.get("fp32 original"), encoding);
                cos[0][s] = Artifacts.cosine(embed(env, sessions.get("sluice ml_c5 int8"), encoding), truth);
                cos[1][s] = Artifacts.cosine(embed(env, sessions.get("reference int8 (-q jar)"), encoding), truth);
            }
            System.out.printf(Locale.ROOT, "sentences: %d, tokens per sentence: %.1f on average%n%n", sentences.size(),
                    totalTokens / (double) sentences.size());
            System.out.println("| model | mean cosine | min cosine | p5 cosine | 1 − mean (error) |");
            System.out.println("|---|---:|---:|---:|---:|");
            String[] names = {"sluice ml_c5 int8", "reference int8 (-q jar)"};
            for (int m = 0; m < 2; m++) {
                double[] sorted = cos[m].clone();
                Arrays.sort(sorted);
                double mean = Arrays.stream(sorted).average().orElse(Double.NaN);
                System.out.printf(Locale.ROOT, "| %s | %.5f | %.5f | %.5f | %.5f |%n", names[m], mean, sorted[0],
                        sorted[sorted.length / 20], 1 - mean);
            }
            double errOurs = 1 - Arrays.stream(cos[0]).average().orElse(0);
            double errRef = 1 - Arrays.stream(cos[1]).average().orElse(0);
            int better = 0;
            for (int s = 0; s < sentences.size(); s++) {
                better += cos[0][s] >= cos[1][s] ? 1 : 0;
            }
            System.out.printf(Locale.ROOT, "%nsluice's embedding error is %.2fx the reference's; sluice is at least as"
                    + " close to fp32 on %d of %d sentences%n", errOurs / errRef, better, sentences.size());
        } finally {
            for (OrtSession s : sessions.values()) {
                s.close();
            }
        }
    }

    private static OrtSession session(OrtEnvironment env, Path model, OrtSession.SessionOptions.OptLevel level,
                                      int threads) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(level);
            // Idle pool threads of one session must not spin while another runs: the models take turns on 2 cores.
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            return env.createSession(model.toString(), options);
        }
    }

    /**
     * Sequences/s per session from the median run time, runs interleaved one by one (A, B, C, A, B, C, ...) for
     * {@code budgetMillis}: a noisy neighbour slows every model alike instead of whichever ran at the time.
     */
    private static double[] throughput(List<OrtSession> list, Map<String, OnnxTensor> feeds, int batch,
                                       long budgetMillis) throws OrtException {
        for (OrtSession s : list) {
            for (int i = 0; i < 5; i++) {
                s.run(feeds).close();
            }
        }
        List<List<Long>> times = new ArrayList<>();
        list.forEach(s -> times.add(new ArrayList<>()));
        long end = System.nanoTime() + budgetMillis * 1_000_000L;
        while (System.nanoTime() < end || times.get(0).size() < 11) {
            for (int m = 0; m < list.size(); m++) {
                long start = System.nanoTime();
                list.get(m).run(feeds).close();
                times.get(m).add(System.nanoTime() - start);
            }
        }
        double[] rates = new double[list.size()];
        for (int m = 0; m < list.size(); m++) {
            long[] sorted = times.get(m).stream().mapToLong(Long::longValue).sorted().toArray();
            rates[m] = batch / (sorted[sorted.length / 2] / 1e9);
        }
        return rates;
    }

    /** {@code batch} sentences, each tokenised and cut or padded to exactly {@code tokens} (padding masked). */
    private static Map<String, OnnxTensor> feeds(OrtEnvironment env, HuggingFaceTokenizer tokenizer,
                                                 List<String> sentences, int batch, int tokens) throws OrtException {
        long[] ids = new long[batch * tokens];
        long[] mask = new long[batch * tokens];
        for (int b = 0; b < batch; b++) {
            // Long enough texts: sentences joined until they fill the length, so no row is mostly padding.
            StringBuilder text = new StringBuilder();
            int next = b * 7;
            while (tokenizer.encode(text.toString()).getIds().length < tokens) {
                text.append(sentences.get(next++ % sentences.size())).append(' ');
            }
            long[] encoded = tokenizer.encode(text.toString()).getIds();
            for (int i = 0; i < tokens; i++) {
                // Keep [SEP] (102) last, as a truncating tokenizer would.
                ids[b * tokens + i] = i == tokens - 1 ? encoded[encoded.length - 1] : encoded[i];
                mask[b * tokens + i] = 1;
            }
        }
        long[] shape = {batch, tokens};
        Map<String, OnnxTensor> feeds = new HashMap<>();
        feeds.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
        feeds.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
        feeds.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[ids.length]), shape));
        return feeds;
    }

    /** Mean-pooled last_hidden_state of one sentence run alone. */
    private static float[] embed(OrtEnvironment env, OrtSession session, Encoding encoding) throws OrtException {
        long[] ids = encoding.getIds();
        long[] shape = {1, ids.length};
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
            feeds.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
            feeds.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(encoding.getAttentionMask()),
                    shape));
            feeds.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[ids.length]), shape));
            try (OrtSession.Result result = session.run(feeds)) {
                FloatBuffer hidden = ((OnnxTensor) result.get("last_hidden_state").orElseThrow()).getFloatBuffer();
                int h = hidden.remaining() / ids.length;
                float[] mean = new float[h];
                for (int t = 0; t < ids.length; t++) {
                    for (int i = 0; i < h; i++) {
                        mean[i] += hidden.get(t * h + i) / ids.length;
                    }
                }
                return mean;
            }
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    /**
     * {@code count} distinct sentences from templates × vocabulary, chosen by a seeded generator: short and long,
     * statements and questions, several domains.
     */
    public static List<String> sentences(int count, long seed) {
        String[] subjects = {"the engineer", "a small dog", "our new model", "the city council", "my grandmother",
            "the server", "a young student", "the orchestra", "this recipe", "the quarterly report", "a cold front",
            "the goalkeeper", "the startup", "an old lighthouse", "the vaccine trial", "the museum"};
        String[] verbs = {"fixed", "chased", "predicted", "approved", "baked", "crashed during", "explained",
            "performed", "improved", "summarised", "brought", "blocked", "launched", "guided", "confirmed", "reopened"};
        String[] objects = {"the broken pipeline", "a red ball", "tomorrow's weather", "the new budget",
            "a loaf of bread", "the nightly backup", "the theory of relativity", "a symphony by Brahms",
            "the flavour of the soup", "our revenue numbers", "heavy rain", "a penalty kick", "a mobile app",
            "ships through the fog", "its early results", "the ancient gallery"};
        String[] places = {"in Berlin", "at the park", "before lunch", "after a long debate", "in the kitchen",
            "on Friday night", "at the university", "at the concert hall", "for the holidays", "in the meeting",
            "across the coast", "in the final minute", "in three countries", "for two centuries", "last spring",
            "after renovation"};
        String[] questions = {"Why did %s %s %s?", "When will %s finally %s %s?", "Has %s ever %s %s?"};
        String[] bases = {"fix", "chase", "predict", "approve", "bake", "crash during", "explain", "perform",
            "improve", "summarise", "bring", "block", "launch", "guide", "confirm", "reopen"};
        Random random = new Random(seed);
        Set<String> out = new LinkedHashSet<>();
        while (out.size() < count) {
            int s = random.nextInt(subjects.length);
            int v = random.nextInt(verbs.length);
            int o = random.nextInt(objects.length);
            int p = random.nextInt(places.length);
            String sentence = switch (random.nextInt(4)) {
                case 0 -> capitalise(subjects[s]) + " " + verbs[v] + " " + objects[o] + ".";
                case 1 -> capitalise(subjects[s]) + " " + verbs[v] + " " + objects[o] + " " + places[p] + ".";
                case 2 -> String.format(questions[random.nextInt(questions.length)], subjects[s],
                        bases[v], objects[o]);
                default -> capitalise(subjects[s]) + " " + verbs[v] + " " + objects[o] + " " + places[p]
                        + ", while " + subjects[random.nextInt(subjects.length)] + " "
                        + verbs[random.nextInt(verbs.length)] + " " + objects[random.nextInt(objects.length)] + ".";
            };
            out.add(sentence);
        }
        return new ArrayList<>(out);
    }

    private static String capitalise(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static Path resource(String name, Path dir) throws IOException {
        try (InputStream in = CompileBench.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the class path (the langchain4j MiniLM jars)");
            }
            Path file = dir.resolve(name);
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        }
    }
}
