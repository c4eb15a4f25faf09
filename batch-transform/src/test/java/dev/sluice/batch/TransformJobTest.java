package dev.sluice.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.batch.internal.TfRecords;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.InferenceService;
import dev.sluice.core.codec.internal.RecordIo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransformJobTest {
    @TempDir
    Path dir;

    private Path in() throws IOException {
        return Files.createDirectories(dir.resolve("in"));
    }

    private Path out() {
        return dir.resolve("out");
    }

    private static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    private static TransformSummary run(TransformConfig config, InferenceService model) throws Exception {
        return TransformJob.start(config, model, null).completion().get(30, TimeUnit.SECONDS);
    }

    private TransformConfig csv() throws IOException {
        return TransformConfig.defaults(in().toString(), out().toString())
                .withContentType("text/csv", "text/csv")
                .withSplit(SplitType.LINE, BatchStrategy.MULTI_RECORD)
                .withDataProcessing(null, null, JoinSource.NONE, AssembleWith.LINE);
    }

    @Test
    void lineSplitEveryFileRecursivelyToDotOut() throws Exception {
        write(in().resolve("a.csv"), "a\nb\r\nc\n");
        write(in().resolve("sub/b.csv"), "d\ne");
        Models.Recording model = Models.lines(s -> s.toUpperCase());

        TransformSummary summary = run(csv(), model);

        assertThat(summary.status()).isEqualTo("Completed");
        assertThat(summary.filesTotal()).isEqualTo(2);
        assertThat(summary.filesSucceeded()).isEqualTo(2);
        assertThat(summary.records()).isEqualTo(5);
        assertThat(Files.readString(out().resolve("a.csv.out"))).isEqualTo("A\nB\nC\n");
        assertThat(Files.readString(out().resolve("sub/b.csv.out"))).isEqualTo("D\nE\n");
        // MultiRecord: one request per file (mini-batches never span files), records joined by newlines.
        assertThat(model.bodies).extracting(b -> new String(b, StandardCharsets.UTF_8))
                .containsExactlyInAnyOrder("a\nb\nc", "d\ne");
    }

    @Test
    void singleFileInputAndAssembleNone() throws Exception {
        Path file = in().resolve("one.txt");
        write(file, "x\ny\n");
        TransformConfig config = TransformConfig.defaults(file.toString(), out().toString())
                .withSplit(SplitType.LINE, BatchStrategy.SINGLE_RECORD);
        TransformSummary summary = run(config, Models.lines(s -> "<" + s + ">"));
        assertThat(summary.status()).isEqualTo("Completed");
        assertThat(Files.readString(out().resolve("one.txt.out"))).isEqualTo("<x><y>");
    }

    @Test
    void multiRecordPacksUnderThePayloadLimit() throws Exception {
        String lines = IntStream.range(0, 100).mapToObj(i -> String.format("row-%03d", i)).collect(Collectors.joining("\n"));
        write(in().resolve("rows.csv"), lines);
        Models.Recording model = Models.lines(s -> s);
        TransformSummary summary = run(csv().withLimits(64, 1), model);
        assertThat(summary.status()).isEqualTo("Completed");
        // 7-byte records + separators: 8 per 64-byte request.
        assertThat(model.bodies).allSatisfy(b -> assertThat(b.length).isLessThanOrEqualTo(64));
        assertThat(model.requests()).isEqualTo(13);
        assertThat(Files.readString(out().resolve("rows.csv.out"))).isEqualTo(lines + "\n");
    }

    @Test
    void singleRecordSendsOneRecordPerRequest() throws Exception {
        write(in().resolve("rows.csv"), "1\n2\n3\n");
        Models.Recording model = Models.lines(s -> s + "!");
        run(csv().withSplit(SplitType.LINE, BatchStrategy.SINGLE_RECORD), model);
        assertThat(model.requests()).isEqualTo(3);
        assertThat(Files.readString(out().resolve("rows.csv.out"))).isEqualTo("1!\n2!\n3!\n");
    }

    @Test
    void aRecordOverTheLimitFailsItsFileOnly() throws Exception {
        write(in().resolve("big.csv"), "ok\n" + "x".repeat(200) + "\n");
        write(in().resolve("small.csv"), "ok\n");
        TransformSummary summary = run(csv().withLimits(100, 1), Models.lines(s -> s));
        assertThat(summary.status()).isEqualTo("Failed");
        assertThat(summary.filesSucceeded()).isEqualTo(1);
        assertThat(summary.failures()).singleElement().satisfies(f -> {
            assertThat(f.input()).endsWith("big.csv");
            assertThat(f.reason()).contains("record 2").contains("over the payload limit of 100 bytes");
        });
        assertThat(out().resolve("big.csv.out")).doesNotExist();
        assertThat(out().resolve("small.csv.out")).hasContent("ok");
        try (var files = Files.list(out())) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("sluice-tmp"));
        }
    }

    @Test
    void noneSplitSendsTheWholeObject() throws Exception {
        write(in().resolve("doc.json"), "{\"a\":1}\n{\"b\":2}\n");
        Models.Echo model = new Models.Echo();
        TransformSummary summary = run(TransformConfig.defaults(in().toString(), out().toString()), model);
        assertThat(summary.status()).isEqualTo("Completed");
        assertThat(model.bodies).hasSize(1);
        assertThat(Files.readString(out().resolve("doc.json.out"))).isEqualTo("{\"a\":1}\n{\"b\":2}\n");
    }

    @Test
    void recordIoIsSplitAndReframed() throws Exception {
        ByteArrayOutputStream input = new ByteArrayOutputStream();
        for (int i = 0; i < 20; i++) {
            RecordIo.write(input, ("record-" + i).getBytes(StandardCharsets.UTF_8));
        }
        Files.write(in().resolve("data.rec"), input.toByteArray());
        Models.Echo model = new Models.Echo();
        TransformConfig config = TransformConfig.defaults(in().toString(), out().toString())
                .withSplit(SplitType.RECORD_IO, BatchStrategy.MULTI_RECORD).withLimits(100, 1);
        TransformSummary summary = run(config, model);
        assertThat(summary.status()).isEqualTo("Completed");
        assertThat(summary.records()).isEqualTo(20);
        assertThat(model.bodies.size()).isGreaterThan(1);
        assertThat(model.bodies).allSatisfy(b -> assertThat(RecordIo.read(b)).isNotEmpty());
        assertThat(Files.readAllBytes(out().resolve("data.rec.out"))).isEqualTo(input.toByteArray());
    }

    @Test
    void tfRecordIsSplitReframedAndCrcChecked() throws Exception {
        ByteArrayOutputStream input = new ByteArrayOutputStream();
        for (int i = 0; i < 10; i++) {
            TfRecords.write(input, ("example-" + i).getBytes(StandardCharsets.UTF_8));
        }
        byte[] good = input.toByteArray();
        byte[] bad = good.clone();
        bad[good.length - 6] ^= 0x01; // a data byte of the last record
        Files.write(in().resolve("good.tfrecord"), good);
        Files.write(in().resolve("bad.tfrecord"), bad);
        Models.Echo model = new Models.Echo();
        TransformConfig config = TransformConfig.defaults(in().toString(), out().toString())
                .withSplit(SplitType.TF_RECORD, BatchStrategy.SINGLE_RECORD);
        TransformSummary summary = run(config, model);
        assertThat(summary.status()).isEqualTo("Failed");
        assertThat(Files.readAllBytes(out().resolve("good.tfrecord.out"))).isEqualTo(good);
        assertThat(out().resolve("bad.tfrecord.out")).doesNotExist();
        assertThat(summary.failures()).singleElement().satisfies(f -> {
            assertThat(f.input()).endsWith("bad.tfrecord");
            assertThat(f.reason()).contains("TFRecord record 10").contains("CRC32C does not match");
        });
    }

    @Test
    void gzipInputIsDecompressedStreaming() throws Exception {
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(zipped)) {
            gz.write("a\nb\n".getBytes(StandardCharsets.UTF_8));
        }
        Files.write(in().resolve("rows.csv.gz"), zipped.toByteArray());
        write(in().resolve("plain.csv"), "not gzip\n");
        TransformSummary summary = run(csv().withCompression(Compression.GZIP), Models.lines(String::toUpperCase));
        assertThat(Files.readString(out().resolve("rows.csv.gz.out"))).isEqualTo("A\nB\n");
        assertThat(summary.failures()).singleElement().satisfies(f -> assertThat(f.reason()).contains("gzip"));
    }

    @Test
    void csvInputFilterJoinAndOutputFilter() throws Exception {
        write(in().resolve("rows.csv"), "id1,1,2\nid2,3,4\n");
        // The model sees features only and answers their sum.
        Models.Recording model = Models.lines(line -> Integer.toString(
                List.of(line.split(",")).stream().mapToInt(Integer::parseInt).sum()));
        TransformConfig config = csv().withDataProcessing("$[1:]", null, JoinSource.INPUT, AssembleWith.LINE);
        assertThat(run(config, model).status()).isEqualTo("Completed");
        assertThat(model.bodies).extracting(b -> new String(b, StandardCharsets.UTF_8)).containsExactly("1,2\n3,4");
        assertThat(Files.readString(out().resolve("rows.csv.out"))).isEqualTo("id1,1,2,3\nid2,3,4,7\n");

        TransformConfig filtered = csv().withDataProcessing("$[1:]", "$[0,3]", JoinSource.INPUT, AssembleWith.LINE);
        Files.delete(out().resolve(".sluice-transform-manifest.json"));
        assertThat(run(filtered, model).status()).isEqualTo("Completed");
        assertThat(Files.readString(out().resolve("rows.csv.out"))).isEqualTo("id1,3\nid2,7\n");
    }

    @Test
    void jsonJoinPutsTheResultUnderSageMakerOutput() throws Exception {
        write(in().resolve("rows.jsonl"), "{\"id\":1,\"features\":[1,2]}\n[5,6]\n");
        Models.Recording model = Models.lines(line -> line.startsWith("[") ? "{\"score\":" + line.length() + "}" : line);
        TransformConfig config = TransformConfig.defaults(in().toString(), out().toString())
                .withContentType("application/jsonlines", "application/jsonlines")
                .withSplit(SplitType.LINE, BatchStrategy.MULTI_RECORD)
                .withDataProcessing("$.features", null, JoinSource.INPUT, AssembleWith.LINE);
        TransformSummary summary = run(config, model);
        assertThat(summary.status()).as(summary.toString()).isEqualTo("Failed"); // [5,6] has no $.features

        write(in().resolve("rows.jsonl"), "{\"id\":1,\"features\":[1,2]}\n{\"id\":2,\"features\":[3]}\n");
        assertThat(run(config, model).status()).isEqualTo("Completed");
        assertThat(Files.readString(out().resolve("rows.jsonl.out"))).isEqualTo(
                "{\"id\":1,\"features\":[1,2],\"SageMakerOutput\":{\"score\":5}}\n"
                        + "{\"id\":2,\"features\":[3],\"SageMakerOutput\":{\"score\":3}}\n");

        write(in().resolve("rows.jsonl"), "[5,6]\n");
        TransformConfig noFilter = config.withDataProcessing(null, "$['SageMakerOutput']", JoinSource.INPUT,
                AssembleWith.LINE);
        assertThat(run(noFilter, model).status()).isEqualTo("Completed");
        assertThat(Files.readString(out().resolve("rows.jsonl.out"))).isEqualTo("{\"score\":5}\n");

        TransformConfig whole = config.withDataProcessing(null, null, JoinSource.INPUT, AssembleWith.LINE);
        write(in().resolve("rows.jsonl"), "[7]\n");
        assertThat(run(whole, model).status()).isEqualTo("Completed");
        assertThat(Files.readString(out().resolve("rows.jsonl.out")))
                .isEqualTo("{\"SageMakerInput\":[7],\"SageMakerOutput\":{\"score\":3}}\n");
    }

    @Test
    void outputLineCountMismatchFailsTheFile() throws Exception {
        write(in().resolve("rows.csv"), "1\n2\n");
        InferenceService oneLine = r -> CompletableFuture.completedFuture(InferenceResponse.of("x".getBytes(), "text/csv"));
        TransformSummary summary = run(csv().withDataProcessing(null, null, JoinSource.INPUT, AssembleWith.LINE), oneLine);
        assertThat(summary.failures()).singleElement()
                .satisfies(f -> assertThat(f.reason()).contains("answered 1 line(s) for a mini-batch of 2"));
    }

    @Test
    void recordOrderIsKeptUnderConcurrency() throws Exception {
        String lines = IntStream.range(0, 400).mapToObj(Integer::toString).collect(Collectors.joining("\n"));
        write(in().resolve("a.csv"), lines);
        write(in().resolve("b.csv"), lines);
        Models.Recording model = new Models.Recording(s -> s + ",x", 5);
        TransformConfig config = csv().withSplit(SplitType.LINE, BatchStrategy.SINGLE_RECORD).withLimits(TransformConfig.MB, 8);
        TransformSummary summary = run(config, model);
        assertThat(summary.status()).isEqualTo("Completed");
        String expected = IntStream.range(0, 400).mapToObj(i -> i + ",x\n").collect(Collectors.joining());
        assertThat(Files.readString(out().resolve("a.csv.out"))).isEqualTo(expected);
        assertThat(Files.readString(out().resolve("b.csv.out"))).isEqualTo(expected);
    }

    @Test
    void concurrencyIsBoundedByMaxConcurrentTransforms() throws Exception {
        String lines = IntStream.range(0, 200).mapToObj(Integer::toString).collect(Collectors.joining("\n"));
        for (int f = 0; f < 4; f++) {
            write(in().resolve("f" + f + ".csv"), lines);
        }
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        Models.Recording slow = new Models.Recording(s -> s, 2);
        InferenceService counting = request -> {
            peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            return slow.invoke(request).whenComplete((r, e) -> inFlight.decrementAndGet());
        };
        TransformConfig config = csv().withSplit(SplitType.LINE, BatchStrategy.SINGLE_RECORD).withLimits(TransformConfig.MB, 3);
        assertThat(run(config, counting).status()).isEqualTo("Completed");
        assertThat(peak.get()).isBetween(2, 3);
    }

    @Test
    void aFailingFileMarksTheJobFailedWhileOthersComplete() throws Exception {
        write(in().resolve("good.csv"), "a\nb\n");
        write(in().resolve("bad.csv"), "a\nbad\nc\n");
        write(in().resolve("good2.csv"), "c\n");
        AtomicInteger calls = new AtomicInteger();
        InferenceService model = request -> {
            calls.incrementAndGet();
            String body = new String(request.body(), StandardCharsets.UTF_8);
            return body.contains("bad") ? CompletableFuture.failedFuture(Models.clientError("cannot parse 'bad'"))
                    : CompletableFuture.completedFuture(InferenceResponse.of(body.getBytes(), "text/csv"));
        };
        TransformSummary summary = run(csv().withSplit(SplitType.LINE, BatchStrategy.SINGLE_RECORD), model);
        assertThat(summary.status()).isEqualTo("Failed");
        assertThat(summary.filesSucceeded()).isEqualTo(2);
        assertThat(out().resolve("bad.csv.out")).doesNotExist();
        assertThat(out().resolve("good.csv.out")).hasContent("a\nb");
        assertThat(out().resolve("good2.csv.out")).exists();
        assertThat(summary.failures()).singleElement().satisfies(f -> {
            assertThat(f.input()).endsWith("bad.csv");
            assertThat(f.reason()).contains("ModelError").contains("cannot parse 'bad'");
        });
        // A 4xx from the container is not retried.
        assertThat(calls.get()).isLessThanOrEqualTo(6);
    }

    @Test
    void retriesServerErrorsWithBackoffThenGivesUp() throws Exception {
        write(in().resolve("a.csv"), "1\n");
        AtomicInteger calls = new AtomicInteger();
        InferenceService flaky = request -> calls.incrementAndGet() <= 2
                ? CompletableFuture.failedFuture(Models.unavailable())
                : CompletableFuture.completedFuture(InferenceResponse.of(request.body(), "text/csv"));
        assertThat(run(csv(), flaky).status()).isEqualTo("Completed");
        assertThat(calls.get()).isEqualTo(3);

        calls.set(0);
        Files.delete(out().resolve(".sluice-transform-manifest.json"));
        TransformSummary noRetries = run(csv().withInvocation(null, 0), flaky);
        assertThat(noRetries.status()).isEqualTo("Failed");
        assertThat(calls.get()).isEqualTo(1);
        assertThat(noRetries.failures().get(0).reason()).contains("ServiceUnavailable");
    }

    @Test
    void aRequestOverTheTimeoutFails() throws Exception {
        write(in().resolve("a.csv"), "1\n");
        InferenceService never = request -> new CompletableFuture<>();
        TransformSummary summary = run(csv().withInvocation(Duration.ofSeconds(1), 0), never);
        assertThat(summary.status()).isEqualTo("Failed");
        assertThat(summary.failures().get(0).reason()).contains("did not answer within 1 s");
    }

    @Test
    void reRunningSkipsCompletedFiles() throws Exception {
        write(in().resolve("a.csv"), "a\n");
        write(in().resolve("b.csv"), "b\n");
        Models.Recording model = Models.lines(String::toUpperCase);
        assertThat(run(csv(), model).filesSucceeded()).isEqualTo(2);
        assertThat(model.requests()).isEqualTo(2);

        write(in().resolve("c.csv"), "c\n");
        TransformSummary again = run(csv(), model);
        assertThat(again.status()).isEqualTo("Completed");
        assertThat(again.filesSkipped()).isEqualTo(2);
        assertThat(again.filesSucceeded()).isEqualTo(1);
        assertThat(model.requests()).isEqualTo(3);
        assertThat(out().resolve("c.csv.out")).hasContent("C");

        // Another configuration (an output-changing option) starts over.
        TransformSummary other = run(csv().withDataProcessing(null, null, JoinSource.NONE, AssembleWith.NONE), model);
        assertThat(other.filesSkipped()).isZero();
        assertThat(other.filesSucceeded()).isEqualTo(3);
    }

    @Test
    void outputInsideTheInputIsNotReadBack() throws Exception {
        write(in().resolve("a.csv"), "a\n");
        TransformConfig config = csv();
        config = new TransformConfig(in().toString(), in().resolve("out").toString(), config.contentType(),
                config.accept(), config.splitType(), config.batchStrategy(), 0, 0, null, null, null, null,
                AssembleWith.LINE, null, 3, null);
        run(config, Models.lines(s -> s));
        TransformSummary again = run(config, Models.lines(s -> s));
        assertThat(again.filesTotal()).isEqualTo(1);
        assertThat(again.filesSkipped()).isEqualTo(1);
    }

    @Test
    void stopLetsInFlightFinishAndStartsNothingNew() throws Exception {
        String lines = IntStream.range(0, 50).mapToObj(Integer::toString).collect(Collectors.joining("\n"));
        for (int f = 0; f < 5; f++) {
            write(in().resolve("f" + f + ".csv"), lines);
        }
        Models.Recording slow = new Models.Recording(s -> s, 20);
        List<String> done = new java.util.concurrent.CopyOnWriteArrayList<>();
        TransformJob job = TransformJob.start(csv().withSplit(SplitType.LINE, BatchStrategy.SINGLE_RECORD), slow,
                new TransformListener() {
                    @Override
                    public void fileDone(String input, boolean ok) {
                        done.add(input);
                    }
                });
        assertThat(job.status()).isEqualTo("InProgress");
        Thread.sleep(200);
        job.stop();
        assertThat(job.status()).isIn("Stopping", "Stopped");
        TransformSummary summary = job.completion().get(10, TimeUnit.SECONDS);
        assertThat(summary.status()).isEqualTo("Stopped");
        assertThat(job.status()).isEqualTo("Stopped");
        assertThat(summary.filesSucceeded()).isLessThan(5);
        List<String> outs = new ArrayList<>();
        try (var files = Files.list(out())) {
            files.forEach(p -> outs.add(p.getFileName().toString()));
        }
        assertThat(outs).noneMatch(n -> n.contains("sluice-tmp"));
        assertThat(outs.stream().filter(n -> n.endsWith(".out")).count()).isEqualTo(summary.filesSucceeded());
        int requests = slow.requests();
        Thread.sleep(100);
        assertThat(slow.requests()).isEqualTo(requests);
    }

    @Test
    void missingInputFailsTheJob() throws Exception {
        TransformSummary summary = run(TransformConfig.defaults(dir.resolve("nope").toString(), out().toString()),
                Models.lines(s -> s));
        assertThat(summary.status()).isEqualTo("Failed");
        assertThat(summary.failures()).hasSize(1);
    }

    @Test
    void configValidationNamesTheOption() {
        TransformConfig ok = TransformConfig.defaults("in", "out");
        assertThat(ok.maxPayloadBytes()).isEqualTo(6 * TransformConfig.MB);
        assertThat(ok.maxConcurrentTransforms()).isEqualTo(1);
        assertThat(ok.batchStrategy()).isEqualTo(BatchStrategy.MULTI_RECORD);
        assertThat(ok.invocationTimeout()).isEqualTo(Duration.ofSeconds(600));
        assertThat(ok.inputFilter()).isEqualTo("$");
        assertThatThrownBy(() -> ok.withLimits(101 * TransformConfig.MB, 1)).hasMessageContaining("--max-payload-mb");
        assertThatThrownBy(() -> ok.withLimits(6 * TransformConfig.MB, 20)).hasMessageContaining("--max-concurrent × --max-payload-mb");
        assertThatThrownBy(() -> ok.withLimits(TransformConfig.MB, -1)).hasMessageContaining("--max-concurrent");
        assertThatThrownBy(() -> ok.withInvocation(Duration.ofSeconds(3601), 3)).hasMessageContaining("--timeout-s");
        assertThatThrownBy(() -> ok.withInvocation(null, 4)).hasMessageContaining("--max-retries");
        assertThatThrownBy(() -> ok.withDataProcessing("$" + "[0]".repeat(30), null, null, null))
                .hasMessageContaining("--input-filter").hasMessageContaining("63");
        assertThatThrownBy(() -> ok.withDataProcessing(null, "features", null, null)).hasMessageContaining("--output-filter");
        assertThatThrownBy(() -> ok.withSplit(SplitType.RECORD_IO, BatchStrategy.MULTI_RECORD)
                .withDataProcessing(null, null, JoinSource.INPUT, null)).hasMessageContaining("--join-source");
        assertThatThrownBy(() -> TransformConfig.defaults("s3://", "out")).hasMessageContaining("--input");
        assertThat(SplitType.parse("tfrecord")).isEqualTo(SplitType.TF_RECORD);
        assertThat(SplitType.parse("RecordIO")).isEqualTo(SplitType.RECORD_IO);
        assertThat(BatchStrategy.parse("MULTI_RECORD")).isEqualTo(BatchStrategy.MULTI_RECORD);
        assertThat(BatchStrategy.parse("SingleRecord")).isEqualTo(BatchStrategy.SINGLE_RECORD);
        assertThat(Compression.parse("Gzip")).isEqualTo(Compression.GZIP);
        assertThat(JoinSource.parse("Input")).isEqualTo(JoinSource.INPUT);
        assertThat(AssembleWith.parse("line")).isEqualTo(AssembleWith.LINE);
        assertThatThrownBy(() -> SplitType.parse("csv")).hasMessageContaining("--split-type")
                .hasMessageContaining("None, Line, RecordIO, TFRecord");
    }

    @Test
    void executionParametersParse() {
        assertThat(ExecutionParameters.parse("{\"MaxConcurrentTransforms\":8,\"BatchStrategy\":\"MULTI_RECORD\",\"MaxPayloadInMB\":6}"))
                .contains(new ExecutionParameters(8, BatchStrategy.MULTI_RECORD, 6));
        assertThat(ExecutionParameters.parse("{\"BatchStrategy\":\"SINGLE_RECORD\"}"))
                .contains(new ExecutionParameters(null, BatchStrategy.SINGLE_RECORD, null));
        assertThat(ExecutionParameters.parse("not json")).isEmpty();
        assertThat(ExecutionParameters.fetch(java.net.URI.create("http://127.0.0.1:1"), Duration.ofMillis(500))).isEmpty();
    }
}
