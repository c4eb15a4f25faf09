package dev.sluice.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import org.junit.jupiter.api.Test;

class CodecRegistryTest {
    private final CodecRegistry registry = CodecRegistry.standard();

    @Test
    void standardRegistersEveryCodec() {
        assertThat(registry.supportedMediaTypes()).containsExactlyInAnyOrder("application/json", "text/csv",
                "application/jsonlines", "application/x-jsonlines", "application/jsonl", "application/x-npy",
                "application/x-recordio-protobuf", "application/vnd.sluice.oip-v2+json");
    }

    @Test
    void contentTypeParametersAndCaseAreIgnored() {
        assertThat(registry.forContentType("text/csv; charset=utf-8")).isInstanceOf(CsvCodec.class);
        assertThat(registry.forContentType("Application/JSON;charset=UTF-8")).isInstanceOf(JsonCodec.class);
        assertThat(registry.forContentType("application/x-jsonlines")).isInstanceOf(JsonLinesCodec.class);
        assertThat(registry.forContentType("application/x-recordio-protobuf"))
                .isInstanceOf(RecordIoProtobufCodec.class);
        assertThat(registry.forContentType("application/x-npy")).isInstanceOf(NpyCodec.class);
        assertThat(registry.forContentType(OipV2JsonCodec.MEDIA_TYPE)).isInstanceOf(OipV2JsonCodec.class);
    }

    @Test
    void missingContentTypeMeansJson() {
        assertThat(registry.forContentType(null)).isInstanceOf(JsonCodec.class);
        assertThat(registry.forContentType("  ")).isInstanceOf(JsonCodec.class);
    }

    @Test
    void unknownContentTypeIsUnsupportedMediaType() {
        assertThatThrownBy(() -> registry.forContentType("image/png"))
                .isInstanceOfSatisfying(SluiceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_MEDIA_TYPE);
                    assertThat(e.getMessage()).contains("image/png", "text/csv");
                });
    }

    @Test
    void acceptPicksTheHighestQualitySupportedType() {
        PayloadCodec json = registry.forContentType("application/json");
        assertThat(registry.forAccept("text/csv;q=0.5, application/jsonlines;q=0.9", json))
                .isInstanceOf(JsonLinesCodec.class);
        assertThat(registry.forAccept("image/png, text/csv;q=0.1", json)).isInstanceOf(CsvCodec.class);
        assertThat(registry.forAccept("application/x-npy;q=0, application/json", json)).isInstanceOf(JsonCodec.class);
    }

    @Test
    void wildcardOrMissingAcceptAnswersInTheRequestsFormat() {
        PayloadCodec csv = registry.forContentType("text/csv");
        assertThat(registry.forAccept("*/*", csv)).isSameAs(csv);
        assertThat(registry.forAccept(null, csv)).isSameAs(csv);
        assertThat(registry.forAccept("", csv)).isSameAs(csv);
    }

    @Test
    void unsupportedAcceptIsNotAcceptable() {
        PayloadCodec json = registry.forContentType("application/json");
        assertThatThrownBy(() -> registry.forAccept("image/png, text/html;q=0.8", json))
                .isInstanceOfSatisfying(SluiceException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_ACCEPTABLE));
        assertThatThrownBy(() -> registry.forAccept("text/csv;q=0", json))
                .isInstanceOfSatisfying(SluiceException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_ACCEPTABLE));
    }
}
