package dev.sluice.loadtests;

import static io.gatling.javaapi.core.CoreDsl.jsonPath;

import io.gatling.javaapi.core.CheckBuilder;
import java.util.List;
import java.util.Locale;

/**
 * What a simulation sends and what a correct answer looks like ({@code -Dsluice.payload=minilm|tiny}). The shapes are
 * the README's: the demo embeds texts, the generated MLP (4 inputs, 3 outputs) takes a named float tensor.
 */
enum Payload {
    /** The built-in all-MiniLM-L6-v2 (int8) sentence-embedding endpoint: one sentence in, one 384-float vector out. */
    MINILM("{\"inputs\":[\"a cat sits on the mat\"]}", "$.embeddings[0]", 384, "sluice/sentence-embedding"),
    /** The tiny generated MLP (bench/lib.sh {@code fixture mlp}): input FP32 [batch, 4] → output FP32 [batch, 3]. */
    TINY("{\"inputs\":{\"input\":[[1.0,2.0,3.0,4.0]]}}", "$.outputs.output[0]", 3, "sluice/onnx");

    final String body;
    private final String rowPath;
    private final int rowLength;
    /** The ContainerDefinition.Image that serves this payload when a simulation creates the endpoint itself. */
    final String image;

    Payload(String body, String rowPath, int rowLength, String image) {
        this.body = body;
        this.rowPath = rowPath;
        this.rowLength = rowLength;
        this.image = image;
    }

    /** The answer's first row has the model's output width (a 200 with an error body or a wrong model fails it). */
    CheckBuilder.Final shapeCheck() {
        return jsonPath(rowPath).ofList().transform(List::size).is(rowLength);
    }

    /**
     * The CreateModel PrimaryContainer for this payload: the built-in MiniLM needs no ModelDataUrl, the tiny model
     * is the file prepare-models.sh wrote (or {@code -Dsluice.modelDataUrl}).
     */
    String primaryContainerJson() {
        if (this == MINILM) {
            return "{\"Image\":\"" + image + "\",\"Environment\":{\"SAGEMAKER_MODEL_SERVER_WORKERS\":\"1\"}}";
        }
        return "{\"Image\":\"" + image + "\",\"ModelDataUrl\":" + Json.quote(Settings.modelDataUrl())
                + ",\"Environment\":{\"SAGEMAKER_MODEL_SERVER_WORKERS\":\"1\"}}";
    }

    static Payload parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("sluice.payload must be minilm or tiny, got '" + value + "'");
        }
    }
}
