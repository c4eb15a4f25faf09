package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.config.ModelConfig;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The built-in default endpoint, all-MiniLM-L6-v2 int8, end to end over HTTP. */
class DemoEmbeddingEndpointTest {
    @RegisterExtension
    static final SluiceServerExtension SERVER = new SluiceServerExtension().model(dir -> ModelConfig.demoEmbedding());

    private static final ObjectMapper JSON = new ObjectMapper();

    private static double[][] embed(String body) throws Exception {
        HttpResponse<String> r = SERVER.post("/invocations", "application/json", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode embeddings = JSON.readTree(r.body()).get("embeddings");
        double[][] out = new double[embeddings.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = new double[embeddings.get(i).size()];
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] = embeddings.get(i).get(j).asDouble();
            }
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void embedsTextsAsUnitVectorsOf384() throws Exception {
        double[][] e = embed("{\"inputs\":[\"a cat sits\",\"a kitten sat\",\"quarterly revenue grew in every region\"]}");
        assertThat(e).hasNumberOfRows(3);
        for (double[] v : e) {
            assertThat(v).hasSize(384);
            assertThat(dot(v, v)).isCloseTo(1.0, within(1e-4));
        }
        assertThat(dot(e[0], e[1])).isGreaterThan(dot(e[0], e[2]));
    }

    @Test
    void aTextGetsTheSameVectorWhateverItIsSentWith() throws Exception {
        double[] alone = embed("{\"inputs\":[\"a cat sits\"]}")[0];
        double[] withOthers = embed("{\"inputs\":[\"a much longer sentence that needs padding of the short one\","
                + "\"a cat sits\"]}")[1];
        assertThat(dot(alone, withOthers)).isGreaterThanOrEqualTo(0.9999);
    }

    @Test
    void notAListOfTextsIsAValidationError() throws Exception {
        HttpResponse<String> r = SERVER.post("/invocations", "application/json", "{\"inputs\":[1,2]}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.headers().firstValue("x-amzn-ErrorType")).hasValue("ValidationError");
        HttpResponse<String> empty = SERVER.post("/invocations", "application/json", "{\"inputs\":[]}");
        assertThat(empty.statusCode()).isEqualTo(400);
    }
}
