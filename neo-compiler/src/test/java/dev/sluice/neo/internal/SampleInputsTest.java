package dev.sluice.neo.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.neo.testing.Models;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleInputsTest {
    @TempDir
    Path tmp;

    @Test
    void generatedTokenIdsStayInsideTheEmbeddingTableAndShapesVaryConsistently() {
        List<Map<String, SampleInputs.Sample>> batches = SampleInputs.generate(Models.textEncoder(), 4, 7);
        assertThat(batches).hasSize(4);
        assertThat(batches.stream().map(b -> Arrays.toString(b.get("input_ids").shape())).distinct().toList())
                .containsExactly("[1, 16]", "[2, 8]", "[1, 32]", "[2, 12]");
        for (Map<String, SampleInputs.Sample> b : batches) {
            assertThat(b.get("attention_mask").shape()).isEqualTo(b.get("input_ids").shape());
            assertThat((long[]) b.get("attention_mask").data()).containsOnly(1L);
            assertThat(Arrays.stream((long[]) b.get("input_ids").data()).min().orElseThrow()).isGreaterThanOrEqualTo(1);
            assertThat(Arrays.stream((long[]) b.get("input_ids").data()).max().orElseThrow()).isLessThan(500);
        }
        assertThat(SampleInputs.vocabularies(Models.textEncoder())).containsEntry("input_ids", 500L);
        assertThat(SampleInputs.generate(Models.textEncoder(), 4, 7).get(3).get("input_ids").data())
                .as("seeded: the same every time").isEqualTo(batches.get(3).get("input_ids").data());
        assertThat(SampleInputs.describe(batches.get(0))).isEqualTo("input_ids[1,16], attention_mask[1,16]");
    }

    @Test
    void samplesAreReadFromJson() throws Exception {
        Path file = Files.writeString(tmp.resolve("samples.json"), "[{\"input_ids\": [[5, 6, 7]], \"attention_mask\":"
                + " [[1, 1, 0]]}, {\"input_ids\": [[1], [2]], \"attention_mask\": [[1], [1]]}]");
        List<Map<String, SampleInputs.Sample>> batches = SampleInputs.read(file, Models.textEncoder());
        assertThat(batches).hasSize(2);
        assertThat(batches.get(0).get("input_ids").shape()).containsExactly(1, 3);
        assertThat((long[]) batches.get(0).get("attention_mask").data()).containsExactly(1, 1, 0);
        assertThat(batches.get(1).get("input_ids").shape()).containsExactly(2, 1);

        Path single = Files.writeString(tmp.resolve("one.json"), "{\"input\": [[" + "0.5,".repeat(31) + "1]]}");
        assertThat(SampleInputs.read(single, Models.mlp(false, 17)).get(0).get("input").data())
                .isInstanceOf(float[].class);
    }

    @Test
    void badSampleFilesSayWhatIsWrong() throws Exception {
        var model = Models.textEncoder();
        Path ragged = Files.writeString(tmp.resolve("ragged.json"), "[{\"input_ids\": [[1, 2], [3]], \"attention_mask\":"
                + " [[1, 1], [1]]}]");
        assertThatThrownBy(() -> SampleInputs.read(ragged, model)).hasMessageContaining("ragged");
        Path missing = Files.writeString(tmp.resolve("missing.json"), "[{\"input_ids\": [[1]]}]");
        assertThatThrownBy(() -> SampleInputs.read(missing, model)).hasMessageContaining("has no input 'attention_mask'");
        Path extra = Files.writeString(tmp.resolve("extra.json"), "[{\"input_ids\": [[1]], \"attention_mask\": [[1]],"
                + " \"other\": [1]}]");
        assertThatThrownBy(() -> SampleInputs.read(extra, model)).hasMessageContaining("names 'other', which is not");
        Path wrongWidth = Files.writeString(tmp.resolve("wide.json"), "{\"input\": [[1, 2]]}");
        assertThatThrownBy(() -> SampleInputs.read(wrongWidth, Models.mlp(false, 17)))
                .hasMessageContaining("the model expects 32 at dimension 1");
        assertThatThrownBy(() -> SampleInputs.read(tmp.resolve("absent.json"), model))
                .hasMessageContaining("cannot read sample inputs");
    }
}
