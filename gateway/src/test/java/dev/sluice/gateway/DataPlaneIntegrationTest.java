package dev.sluice.gateway;

import static dev.sluice.gateway.SluiceServerExtension.tensorModel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.tensor.DataType;
import dev.sluice.modelhost.testing.OnnxFixtures;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The data plane over real HTTP, on real ONNX Runtime sessions of generated models. */
class DataPlaneIntegrationTest {
    private static final int LIMIT = 256 * 1024;

    @RegisterExtension
    static final SluiceServerExtension SERVER = new SluiceServerExtension()
            .maxPayloadBytes(LIMIT)
            .model(tensorModel("mlp", OnnxFixtures::mlp))
            .model(tensorModel("failing", OnnxFixtures::failing))
            .model(tensorModel("strings", dir -> OnnxFixtures.identity(dir, DataType.BYTES)))
            .model(tensorModel("flags", dir -> OnnxFixtures.identity(dir, DataType.BOOL)))
            .model(tensorModel("longs", dir -> OnnxFixtures.identity(dir, DataType.INT64)));

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final float[] ROW_A = {1f, 2f, 3f, 4f};
    private static final float[] ROW_B = {0.5f, -1f, 2f, 0f};

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body());
    }

    private static void assertRow(JsonNode row, float[] input) {
        double[] expected = OnnxFixtures.mlpReference(input);
        assertThat(row.size()).isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat(row.get(i).asDouble()).isCloseTo(expected[i], within(1e-4));
        }
    }

    @Test
    void pingIsOkOnceModelsAreLoaded() {
        HttpResponse<String> ping = SERVER.get("/ping");
        assertThat(ping.statusCode()).isEqualTo(200);
        assertThat(ping.body()).isEmpty();
        assertThat(SERVER.get(SERVER.adminUri("/ping")).statusCode()).isEqualTo(200);
    }

    @Test
    void jsonInputsByNameAnswerOutputsByName() throws Exception {
        HttpResponse<String> r = SERVER.post("/invocations", "application/json",
                "{\"inputs\":{\"input\":[[1,2,3,4],[0.5,-1,2,0]]}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(r.headers().firstValue("x-Amzn-Invoked-Production-Variant")).hasValue("AllTraffic");
        JsonNode output = json(r).get("outputs").get("output");
        assertRow(output.get(0), ROW_A);
        assertRow(output.get(1), ROW_B);
    }

    @Test
    void jsonInstancesAnswerPredictionsOnTheNamedEndpoint() throws Exception {
        HttpResponse<String> r = SERVER.post("/endpoints/mlp/invocations", "application/json",
                "{\"instances\":[[1,2,3,4]]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertRow(json(r).get("predictions").get(0), ROW_A);
    }

    @Test
    void csvRowsAnswerOneCsvRowPerInput() {
        HttpResponse<String> r = SERVER.post("/invocations", "text/csv", "1,2,3,4\n0.5,-1,2,0\n");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/csv");
        String[] lines = r.body().strip().split("\n");
        assertThat(lines).hasSize(2);
        double[] expected = OnnxFixtures.mlpReference(ROW_B);
        String[] cells = lines[1].split(",");
        for (int i = 0; i < expected.length; i++) {
            assertThat(Double.parseDouble(cells[i])).isCloseTo(expected[i], within(1e-4));
        }
    }

    @Test
    void jsonLinesAnswerOneLinePerRow() throws Exception {
        HttpResponse<String> r = SERVER.post("/invocations", "application/jsonlines", "[1,2,3,4]\n[0.5,-1,2,0]\n");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String[] lines = r.body().strip().split("\n");
        assertThat(lines).hasSize(2);
        assertRow(JSON.readTree(lines[0]), ROW_A);
    }

    @Test
    void npyInNpyOut() {
        byte[] body = npyFloat32(new int[] {2, 4}, new float[] {1, 2, 3, 4, 0.5f, -1, 2, 0});
        HttpResponse<byte[]> r = SERVER.postBytes("/invocations", "application/x-npy", body,
                "Accept", "application/x-npy");
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        byte[] out = r.body();
        assertThat(out[0] & 0xff).isEqualTo(0x93);
        int headerLen = (out[8] & 0xff) | (out[9] & 0xff) << 8;
        String header = new String(out, 10, headerLen, StandardCharsets.ISO_8859_1);
        assertThat(header).contains("<f4").contains("(2, 3)");
        ByteBuffer data = ByteBuffer.wrap(out, 10 + headerLen, out.length - 10 - headerLen).order(ByteOrder.LITTLE_ENDIAN);
        double[] expected = OnnxFixtures.mlpReference(ROW_A);
        for (double e : expected) {
            assertThat((double) data.getFloat()).isCloseTo(e, within(1e-4));
        }
    }

    @Test
    void openInferenceProtocolV2() throws Exception {
        HttpResponse<String> r = SERVER.post("/v2/models/mlp/infer", "application/json",
                "{\"id\":\"42\",\"inputs\":[{\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.get("model_name").asText()).isEqualTo("mlp");
        assertThat(body.get("id").asText()).isEqualTo("42");
        JsonNode out = body.get("outputs").get(0);
        assertThat(out.get("name").asText()).isEqualTo("output");
        assertThat(out.get("datatype").asText()).isEqualTo("FP32");
        assertThat(out.get("shape").toString()).isEqualTo("[1,3]");
        assertRow(out.get("data"), ROW_A);

        JsonNode metadata = json(SERVER.get("/v2/models/mlp"));
        assertThat(metadata.get("platform").asText()).isEqualTo("onnxruntime_onnx");
        assertThat(metadata.get("inputs").get(0).get("name").asText()).isEqualTo("input");
        assertThat(metadata.get("inputs").get(0).get("shape").toString()).isEqualTo("[-1,4]");
        assertThat(SERVER.get("/v2/models/mlp/ready").statusCode()).isEqualTo(200);
        assertThat(SERVER.get("/v2/health/live").statusCode()).isEqualTo(200);
        assertThat(SERVER.get("/v2/health/ready").statusCode()).isEqualTo(200);
        assertThat(SERVER.get("/v2/models/nope").statusCode()).isEqualTo(404);
    }

    @Test
    void v2BytesBoolAndInt64RoundTrip() throws Exception {
        JsonNode strings = json(SERVER.post("/v2/models/strings/infer", "application/json",
                "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,2],\"datatype\":\"BYTES\",\"data\":[\"héllo\",\"world\"]}]}"));
        assertThat(strings.get("outputs").get(0).get("data").toString()).isEqualTo("[\"héllo\",\"world\"]");
        JsonNode flags = json(SERVER.post("/v2/models/flags/infer", "application/json",
                "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3],\"datatype\":\"BOOL\",\"data\":[true,false,true]}]}"));
        assertThat(flags.get("outputs").get(0).get("data").toString()).isEqualTo("[true,false,true]");
        JsonNode longs = json(SERVER.post("/v2/models/longs/infer", "application/json",
                "{\"inputs\":[{\"name\":\"input\",\"shape\":[2,1],\"datatype\":\"INT64\",\"data\":[[9007199254740993],[-5]]}]}"));
        assertThat(longs.get("outputs").get(0).get("data").toString()).isEqualTo("[9007199254740993,-5]");
    }

    @Test
    void unsupportedContentTypeIs415InSageMakerShape() throws Exception {
        HttpResponse<String> r = SERVER.post("/invocations", "application/xml", "<a/>");
        assertThat(r.statusCode()).isEqualTo(415);
        assertThat(r.headers().firstValue("x-amzn-ErrorType")).hasValue("UnsupportedMediaType");
        assertThat(json(r).get("message").asText()).contains("application/xml").contains("text/csv");
    }

    @Test
    void malformedJsonIs400ValidationError() throws Exception {
        HttpResponse<String> r = SERVER.post("/invocations", "application/json", "{\"inputs\":{\"input\":[[1,2,");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.headers().firstValue("x-amzn-ErrorType")).hasValue("ValidationError");
        assertThat(json(r).get("__type").asText()).isEqualTo("ValidationError");
    }

    @Test
    void wrongShapeNamesTheInput() throws Exception {
        HttpResponse<String> r = SERVER.post("/invocations", "application/json", "{\"inputs\":{\"input\":[[1,2,3]]}}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).get("message").asText()).contains("input");
    }

    @Test
    void oversizedBodyIs413BeforeBuffering() {
        // Repeated, and with a body far over the limit: a client still sending when the 413 goes out must read the
        // 413, not a reset connection (the server's close lingers).
        byte[] big = new byte[LIMIT * 8];
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = SERVER.post("/invocations", "application/json", big);
            assertThat(r.statusCode()).isEqualTo(413);
            assertThat(r.headers().firstValue("x-amzn-ErrorType")).hasValue("PayloadTooLarge");
        }
        assertThat(SERVER.get("/ping").statusCode()).isEqualTo(200);
    }

    @Test
    void modelFailureIs424ModelError() throws Exception {
        HttpResponse<String> r = SERVER.post("/endpoints/failing/invocations", "application/json",
                "{\"inputs\":{\"index\":[[10]]}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(424);
        assertThat(r.headers().firstValue("x-amzn-ErrorType")).hasValue("ModelError");
        JsonNode body = json(r);
        assertThat(body.get("OriginalStatusCode").asInt()).isEqualTo(500);
        assertThat(body.get("OriginalMessage").asText()).isNotEmpty();
        // The same model still serves good requests.
        HttpResponse<String> ok = SERVER.post("/endpoints/failing/invocations", "application/json",
                "{\"inputs\":{\"index\":[[1]]}}");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(json(ok).get("outputs").get("value").get(0).get(0).asDouble()).isEqualTo(20.0);
    }

    @Test
    void routingErrors() throws Exception {
        HttpResponse<String> unknown = SERVER.post("/endpoints/nope/invocations", "application/json", "{}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(json(unknown).get("message").asText()).contains("nope");
        assertThat(SERVER.get("/nothing-here").statusCode()).isEqualTo(404);
        HttpResponse<String> wrongMethod = SERVER.get("/invocations");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("POST");
    }

    @Test
    void customAttributesAreValidated() {
        HttpResponse<String> tooLong = SERVER.post("/invocations", "application/json",
                "{\"inputs\":{\"input\":[[1,2,3,4]]}}", "X-Amzn-SageMaker-Custom-Attributes", "x".repeat(1025));
        assertThat(tooLong.statusCode()).isEqualTo(400);
        HttpResponse<String> ok = SERVER.post("/invocations", "application/json",
                "{\"inputs\":{\"input\":[[1,2,3,4]]}}", "X-Amzn-SageMaker-Custom-Attributes", "trace=abc");
        assertThat(ok.statusCode()).isEqualTo(200);
        // Echoed only when the model sets it, which a plain ONNX model never does.
        assertThat(ok.headers().firstValue("X-Amzn-SageMaker-Custom-Attributes")).isEmpty();
    }

    @Test
    void metricsCountInvocationsAndErrors() {
        double before = metric("sluice_invocations_total", "mlp");
        double errorsBefore = metric("sluice_invocation_4xx_errors_total", "mlp");
        SERVER.post("/endpoints/mlp/invocations", "application/json", "{\"inputs\":{\"input\":[[1,2,3,4]]}}");
        SERVER.post("/endpoints/mlp/invocations", "application/json", "{\"inputs\":{\"input\":[[1]]}}");
        assertThat(metric("sluice_invocations_total", "mlp")).isEqualTo(before + 2);
        assertThat(metric("sluice_invocation_4xx_errors_total", "mlp")).isEqualTo(errorsBefore + 1);
        String scrape = SERVER.get(SERVER.adminUri("/metrics")).body();
        assertThat(scrape).contains("sluice_model_latency_seconds_count{endpoint=\"mlp\"")
                .contains("sluice_overhead_latency_seconds_count")
                .contains("sluice_model_batch_size")
                .contains("sluice_model_queue_depth")
                .contains("sluice_model_load_time");
    }

    private static double metric(String name, String endpoint) {
        String scrape = SERVER.get(SERVER.adminUri("/metrics")).body();
        Matcher m = Pattern.compile("(?m)^" + name + "\\{[^}]*endpoint=\"" + endpoint + "\"[^}]*\\} (\\S+)$")
                .matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : 0.0;
    }

    static byte[] npyFloat32(int[] shape, float[] values) {
        StringBuilder dims = new StringBuilder();
        for (int d : shape) {
            dims.append(d).append(", ");
        }
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims.toString().replaceAll(", $", shape.length == 1 ? "," : "") + "), }";
        int total = 10 + header.length() + 1;
        int pad = (64 - total % 64) % 64;
        header = header + " ".repeat(pad) + "\n";
        ByteBuffer buf = ByteBuffer.allocate(10 + header.length() + values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        buf.putShort((short) header.length());
        buf.put(header.getBytes(StandardCharsets.US_ASCII));
        for (float v : values) {
            buf.putFloat(v);
        }
        return buf.array();
    }
}
