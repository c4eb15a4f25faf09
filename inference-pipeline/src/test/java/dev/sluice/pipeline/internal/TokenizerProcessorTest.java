package dev.sluice.pipeline.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.pipeline.testing.MiniLm;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TokenizerProcessorTest {
    private static final int CLS = 101;
    private static final int SEP = 102;
    private static TokenizerProcessor tokenizer;

    @BeforeAll
    static void open() {
        tokenizer = TokenizerProcessor.open(MiniLm.INT8.tokenizerJson(), TokenizerProcessor.Settings.defaults("inputs"));
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    private static Map<String, Tensor> texts(String... texts) {
        byte[][] raw = Arrays.stream(texts).map(t -> t.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        return Map.of("inputs", Tensor.ofStrings(new long[] {raw.length}, raw));
    }

    private static long[] row(Tensor tensor, int row) {
        int length = (int) tensor.dim(1);
        return Arrays.copyOfRange(tensor.longs(), row * length, (row + 1) * length);
    }

    @Test
    void padsToTheLongestTextRoundedUpToAMultipleOfEight() {
        // "a cat sits" → [CLS] a cat sits [SEP]: 5 tokens; the second text is 11 tokens, so 16 slots.
        Map<String, Tensor> out = tokenizer.process(texts("a cat sits", "the quick brown fox jumps over the lazy dog"));

        Tensor ids = out.get(TokenizerProcessor.INPUT_IDS);
        Tensor mask = out.get(TokenizerProcessor.ATTENTION_MASK);
        assertThat(ids.type()).isEqualTo(DataType.INT64);
        assertThat(ids.shape()).containsExactly(2, 16);
        assertThat(mask.shape()).containsExactly(2, 16);
        assertThat(row(ids, 0)).startsWith(CLS).contains(SEP);
        assertThat(row(ids, 0)[4]).isEqualTo(SEP);
        assertThat(Arrays.copyOfRange(row(ids, 0), 5, 16)).containsOnly(0);
        assertThat(Arrays.stream(row(mask, 0)).sum()).isEqualTo(5);
        assertThat(Arrays.stream(row(mask, 1)).sum()).isEqualTo(11);
        assertThat(row(ids, 1)[10]).isEqualTo(SEP);
        assertThat(out).containsKey("inputs").doesNotContainKey(TokenizerProcessor.TOKEN_TYPE_IDS);
    }

    @Test
    void requestsOfSimilarLengthGetTheSameShape() {
        Tensor a = tokenizer.process(texts("a cat sits")).get(TokenizerProcessor.INPUT_IDS);
        Tensor b = tokenizer.process(texts("a kitten sat on the mat")).get(TokenizerProcessor.INPUT_IDS);

        assertThat(a.shape()).containsExactly(1, 8);
        assertThat(b.shape()).containsExactly(1, 8);
        assertThat(a.sameRowShape(b)).isTrue();
    }

    @Test
    void padMultipleOfOnePadsToTheLongestExactly() {
        try (TokenizerProcessor exact = TokenizerProcessor.open(MiniLm.INT8.tokenizerJson(),
                TokenizerProcessor.Settings.defaults("inputs").withPadMultiple(1))) {
            Tensor ids = exact.process(texts("a cat sits", "hi")).get(TokenizerProcessor.INPUT_IDS);

            assertThat(ids.shape()).containsExactly(2, 5);
        }
    }

    @Test
    void truncatesToMaxLengthKeepingTheClosingSeparator() {
        String longText = String.join(" ", java.util.Collections.nCopies(100, "word"));
        try (TokenizerProcessor truncating = TokenizerProcessor.open(MiniLm.INT8.tokenizerJson(),
                TokenizerProcessor.Settings.defaults("inputs").withMaxLength(16))) {
            Map<String, Tensor> out = truncating.process(texts(longText, "short"));

            Tensor ids = out.get(TokenizerProcessor.INPUT_IDS);
            assertThat(ids.shape()).containsExactly(2, 16);
            assertThat(row(ids, 0)[0]).isEqualTo(CLS);
            assertThat(row(ids, 0)[15]).isEqualTo(SEP);
            assertThat(row(out.get(TokenizerProcessor.ATTENTION_MASK), 0)).containsOnly(1);
        }
    }

    @Test
    void emitsTokenTypeIdsAndInt32IdsWhenTheModelWantsThem() {
        try (TokenizerProcessor typed = TokenizerProcessor.open(MiniLm.INT8.tokenizerJson(),
                TokenizerProcessor.Settings.defaults("inputs").withTokenTypeIds(true).withIdType(DataType.INT32))) {
            Map<String, Tensor> out = typed.process(texts("a cat sits"));

            Tensor ids = out.get(TokenizerProcessor.INPUT_IDS);
            Tensor types = out.get(TokenizerProcessor.TOKEN_TYPE_IDS);
            assertThat(ids.type()).isEqualTo(DataType.INT32);
            assertThat(ids.ints()[0]).isEqualTo(CLS);
            assertThat(types.shape()).containsExactly(1, 8);
            assertThat(types.ints()).containsOnly(0);
        }
    }

    @Test
    void concurrentCallsTokenizeIndependently() throws Exception {
        List<String> sentences = IntStream.range(0, 32).mapToObj(i -> "sentence number " + i + " " + "x ".repeat(i))
                .toList();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<long[]>> jobs = sentences.stream()
                    .<Callable<long[]>>map(s -> () -> tokenizer.process(texts(s)).get(TokenizerProcessor.INPUT_IDS)
                            .longs())
                    .toList();
            List<Future<long[]>> results = pool.invokeAll(jobs);
            for (int i = 0; i < sentences.size(); i++) {
                assertThat(results.get(i).get()).isEqualTo(
                        tokenizer.process(texts(sentences.get(i))).get(TokenizerProcessor.INPUT_IDS).longs());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void badClientInputIsAValidationError() {
        Tensor empty = Tensor.ofStrings(new long[] {0}, new byte[0][]);
        Tensor numbers = Tensor.ofFloats(new long[] {2}, new float[] {1, 2});
        Tensor matrix = Tensor.ofStrings(new long[] {1, 1}, new byte[][] {"a".getBytes(StandardCharsets.UTF_8)});
        Tensor badUtf8 = Tensor.ofStrings(new long[] {2}, new byte[][] {"ok".getBytes(StandardCharsets.UTF_8),
                {(byte) 0xC3, (byte) 0x28}});

        assertValidation(Map.of("inputs", empty), "at least one");
        assertValidation(Map.of("inputs", numbers), "list of strings");
        assertValidation(Map.of("inputs", matrix), "list of strings");
        assertValidation(Map.of("inputs", badUtf8), "inputs[1]");
        assertValidation(Map.of(), "missing input 'inputs'");
    }

    private static void assertValidation(Map<String, Tensor> tensors, String message) {
        assertThatThrownBy(() -> tokenizer.process(tensors))
                .isInstanceOfSatisfying(SluiceException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_ERROR))
                .hasMessageContaining(message);
    }

    @Test
    void aClosedTokenizerRefusesWorkInsteadOfTouchingFreedMemory() {
        TokenizerProcessor closing = TokenizerProcessor.open(MiniLm.INT8.tokenizerJson(),
                TokenizerProcessor.Settings.defaults("inputs"));
        closing.close();
        closing.close();

        assertThatThrownBy(() -> closing.process(texts("a cat sits")))
                .isInstanceOfSatisfying(SluiceException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE));
    }

    @Test
    void settingsRefuseLengthsThatPaddingWouldOverrun() {
        TokenizerProcessor.Settings defaults = TokenizerProcessor.Settings.defaults("inputs");

        assertThatThrownBy(() -> defaults.withMaxLength(250)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxLength (250)");
        assertThatThrownBy(() -> defaults.withPadMultiple(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> defaults.withIdType(DataType.FP32)).isInstanceOf(IllegalArgumentException.class);
        assertThat(defaults.withPadMultiple(1).withMaxLength(250).maxLength()).isEqualTo(250);
    }
}
