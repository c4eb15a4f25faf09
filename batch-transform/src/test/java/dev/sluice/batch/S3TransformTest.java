package dev.sluice.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.config.S3Config;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class S3TransformTest {
    @RegisterExtension
    static final S3TestServer S3 = new S3TestServer();

    @TempDir
    Path dir;

    private TransformConfig config(String input, String output) {
        return TransformConfig.defaults(input, output)
                .withContentType("text/csv", "text/csv")
                .withSplit(SplitType.LINE, BatchStrategy.MULTI_RECORD)
                .withDataProcessing(null, null, JoinSource.NONE, AssembleWith.LINE)
                .withS3(new S3Config(S3.endpoint(), true, null));
    }

    private static TransformSummary run(TransformConfig config, Models.Recording model) throws Exception {
        return TransformJob.start(config, model, null).completion().get(30, TimeUnit.SECONDS);
    }

    @Test
    void s3InputToS3OutputWithResumeAndFailures() throws Exception {
        String bucket = S3.newBucket();
        S3.put(bucket, "data/a.csv", "a\nb\n".getBytes(StandardCharsets.UTF_8));
        S3.put(bucket, "data/nested/b.csv", "c\n".getBytes(StandardCharsets.UTF_8));
        S3.put(bucket, "data/bad.csv", "ok\nboom\n".getBytes(StandardCharsets.UTF_8));
        S3.put(bucket, "other/x.csv", "x\n".getBytes(StandardCharsets.UTF_8));
        Models.Recording model = Models.lines(s -> {
            if (s.equals("boom")) {
                throw Models.clientError("boom");
            }
            return s.toUpperCase();
        });

        TransformConfig config = config("s3://" + bucket + "/data", "s3://" + bucket + "/results/");
        TransformSummary summary = run(config, model);

        assertThat(summary.status()).isEqualTo("Failed");
        assertThat(summary.filesTotal()).isEqualTo(3);
        assertThat(summary.filesSucceeded()).isEqualTo(2);
        assertThat(S3.get(bucket, "results/a.csv.out")).isEqualTo("A\nB\n");
        assertThat(S3.get(bucket, "results/nested/b.csv.out")).isEqualTo("C\n");
        assertThat(S3.exists(bucket, "results/bad.csv.out")).isFalse();
        assertThat(summary.failures()).singleElement()
                .satisfies(f -> assertThat(f.input()).isEqualTo("s3://" + bucket + "/data/bad.csv"));
        assertThat(S3.exists(bucket, "results/.sluice-transform-manifest.json")).isTrue();

        int requests = model.requests();
        S3.put(bucket, "data/bad.csv", "ok\nfixed\n".getBytes(StandardCharsets.UTF_8));
        TransformSummary again = run(config, model);
        assertThat(again.status()).isEqualTo("Completed");
        assertThat(again.filesSkipped()).isEqualTo(2);
        assertThat(again.filesSucceeded()).isEqualTo(1);
        assertThat(model.requests()).isEqualTo(requests + 1);
        assertThat(S3.get(bucket, "results/bad.csv.out")).isEqualTo("OK\nFIXED\n");
    }

    @Test
    void localInputToS3OutputAndSingleObjectInput() throws Exception {
        String bucket = S3.newBucket();
        Path in = Files.createDirectories(dir.resolve("in"));
        Files.writeString(in.resolve("rows.csv"), "1\n2\n");
        TransformSummary summary = run(config(in.toString(), "s3://" + bucket + "/out"), Models.lines(s -> s + "0"));
        assertThat(summary.status()).isEqualTo("Completed");
        assertThat(S3.get(bucket, "out/rows.csv.out")).isEqualTo("10\n20\n");

        // One object as the input prefix; output to a local directory.
        TransformSummary single = run(config("s3://" + bucket + "/out/rows.csv.out", dir.resolve("local").toString()),
                Models.lines(s -> s + "!"));
        assertThat(single.status()).isEqualTo("Completed");
        assertThat(dir.resolve("local/rows.csv.out.out")).hasContent("10!\n20!");
    }
}
