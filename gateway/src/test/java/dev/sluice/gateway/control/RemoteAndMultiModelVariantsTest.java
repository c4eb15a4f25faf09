package dev.sluice.gateway.control;

import static dev.sluice.gateway.control.ControlPlaneHarness.variant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.modelhost.testing.OnnxFixtures;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.sagemaker.model.ContainerDefinition;
import software.amazon.awssdk.services.sagemaker.model.ContainerMode;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointResponse;
import software.amazon.awssdk.services.sagemakerruntime.model.ValidationErrorException;

/** Variants whose instances are third-party remote containers, and multi-model variants, through the control plane. */
class RemoteAndMultiModelVariantsTest {
    @TempDir
    static Path dir;
    static ControlPlaneHarness sdk;

    @BeforeAll
    static void start() throws Exception {
        sdk = new ControlPlaneHarness(dir.resolve("work"), dir.resolve("state"));
    }

    @AfterAll
    static void stop() throws Exception {
        sdk.close();
    }

    /**
     * Not Sluice: the JDK's own HTTP server implementing just the SageMaker container contract, answering
     * {@code <name>:<body>}.
     */
    static final class ThirdPartyContainer implements AutoCloseable {
        final String name;
        final AtomicInteger invocations = new AtomicInteger();
        HttpServer server;
        int port;

        ThirdPartyContainer(String name, int port) throws IOException {
            this.name = name;
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
            server.createContext("/ping", exchange -> {
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
            });
            server.createContext("/invocations", exchange -> {
                byte[] body = exchange.getRequestBody().readAllBytes();
                invocations.incrementAndGet();
                byte[] out = (name + ":" + new String(body, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain");
                exchange.sendResponseHeaders(200, out.length);
                exchange.getResponseBody().write(out);
                exchange.close();
            });
            server.start();
            this.port = server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    @Test
    void aDeadRemoteHostLosesNoRequestAndComesBackWhenItAnswersPingAgain() throws Exception {
        try (ThirdPartyContainer one = new ThirdPartyContainer("one", 0);
             ThirdPartyContainer two = new ThirdPartyContainer("two", 0)) {
            sdk.createModel("third-party", "http://127.0.0.1:" + one.port + ",http://127.0.0.1:" + two.port, null);
            sdk.createConfig("third-party-config", variant("Remote", "third-party", 1, 2));
            sdk.createEndpointAndWait("third-party", "third-party-config");
            Map<String, Integer> served = new ConcurrentHashMap<>();
            for (int i = 0; i < 40; i++) {
                served.merge(invoke("third-party", "x").split(":")[0], 1, Integer::sum);
            }
            assertThat(served).containsOnlyKeys("one", "two");

            int port = two.port;
            two.close();
            // Requests that would have gone to the dead host are retried on the live one: none fails.
            for (int i = 0; i < 40; i++) {
                assertThat(invoke("third-party", "y")).isEqualTo("one:y");
            }
            // Health checks take it out of routing; once it answers again, it gets traffic again.
            try (ThirdPartyContainer revived = new ThirdPartyContainer("two", port)) {
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (revived.invocations.get() == 0 && System.nanoTime() < deadline) {
                    assertThat(invoke("third-party", "z")).endsWith(":z");
                    Thread.sleep(20);
                }
                assertThat(revived.invocations.get()).isPositive();
            }
        }
    }

    @Test
    void aMultiModelVariantLoadsEachTargetModelOnFirstUse() throws Exception {
        Path prefix = dir.resolve("mme");
        Files.createDirectories(prefix);
        Files.copy(OnnxFixtures.mlp(dir.resolve("fixtures")), prefix.resolve("a.onnx"));
        Files.copy(OnnxFixtures.mlp(dir.resolve("fixtures")), prefix.resolve("b.onnx"));
        sdk.sageMaker.createModel(b -> b.modelName("many").primaryContainer(ContainerDefinition.builder()
                .image("sluice/onnx").mode(ContainerMode.MULTI_MODEL).modelDataUrl(prefix.toUri().toString())
                .build()));
        sdk.createConfig("many-config", variant("AllTraffic", "many", 1, 1));
        sdk.createEndpointAndWait("many", "many-config");

        double[] expected = OnnxFixtures.mlpReference(new float[] {1, 2, 3, 4});
        for (String target : new String[] {"a.onnx", "b.onnx", "a.onnx"}) {
            InvokeEndpointResponse r = sdk.runtime.invokeEndpoint(b -> b.endpointName("many").targetModel(target)
                    .contentType("text/csv").body(SdkBytes.fromUtf8String("1,2,3,4")));
            assertThat(Double.parseDouble(r.body().asUtf8String().trim().split(",")[0]))
                    .isCloseTo(expected[0], org.assertj.core.data.Offset.offset(1e-4));
        }
        assertThatThrownBy(() -> sdk.runtime.invokeEndpoint(b -> b.endpointName("many").targetModel("../a.onnx")
                .contentType("text/csv").body(SdkBytes.fromUtf8String("1,2,3,4"))))
                .isInstanceOf(ValidationErrorException.class);
        assertThatThrownBy(() -> sdk.runtime.invokeEndpoint(b -> b.endpointName("many")
                .contentType("text/csv").body(SdkBytes.fromUtf8String("1,2,3,4"))))
                .isInstanceOf(ValidationErrorException.class).hasMessageContaining("Target-Model");
        assertThatThrownBy(() -> sdk.runtime.invokeEndpoint(b -> b.endpointName("many").targetModel("nope.onnx")
                .contentType("text/csv").body(SdkBytes.fromUtf8String("1,2,3,4"))))
                .isInstanceOf(ValidationErrorException.class).hasMessageContaining("nope.onnx");
    }

    private static String invoke(String endpoint, String body) {
        return sdk.runtime.invokeEndpoint(b -> b.endpointName(endpoint).contentType("text/plain")
                .body(SdkBytes.fromUtf8String(body))).body().asUtf8String();
    }
}
