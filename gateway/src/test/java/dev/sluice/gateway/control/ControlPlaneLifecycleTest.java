package dev.sluice.gateway.control;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.InferenceService;
import dev.sluice.core.SluiceException;
import dev.sluice.core.hosting.ModelDefinition;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.gateway.EndpointRegistry;
import dev.sluice.variants.ManualScheduler;
import dev.sluice.variants.VariantInstance;
import dev.sluice.variants.VariantMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Endpoint lifecycle on a virtual clock with instances whose start and stop the test controls: the statuses an
 * operator sees between the stable ones (Creating, Updating, RollingBack, Deleting) and when each changes.
 */
class ControlPlaneLifecycleTest {
    private final ObjectMapper json = new ObjectMapper();
    private final ManualScheduler clock = new ManualScheduler(Instant.parse("2026-01-01T00:00:00Z"));
    private final EndpointRegistry registry = new EndpointRegistry();
    private final Instances instances = new Instances();
    @TempDir
    Path dir;
    private ControlPlane controlPlane;

    /** Instances that answer "ok" (or fail, for models named bad-*) and stop only when the test lets them. */
    static final class Instances implements InstanceProvider {
        final Map<String, CompletableFuture<Void>> started = new ConcurrentHashMap<>();
        final Map<String, CompletableFuture<Void>> stopGates = new ConcurrentHashMap<>();

        CompletableFuture<Void> startGate(String model) {
            return started.computeIfAbsent(model, m -> CompletableFuture.completedFuture(null));
        }

        CompletableFuture<Void> stopGate(String model) {
            return stopGates.computeIfAbsent(model, m -> CompletableFuture.completedFuture(null));
        }

        @Override
        public CompletableFuture<Started> start(String endpoint, String variant, ModelDefinition model, int index) {
            boolean bad = model.modelName().startsWith("bad");
            InferenceService service = request -> bad
                    ? CompletableFuture.failedFuture(SluiceException.modelError("broken model", null, 500, "boom"))
                    : CompletableFuture.completedFuture(InferenceResponse.of(
                            model.modelName().getBytes(StandardCharsets.UTF_8), "text/plain"));
            return startGate(model.modelName()).thenApply(ignored -> new Started(
                    new VariantInstance(variant + "-" + index, service), new ModelSignature(List.of(), List.of()),
                    "test", () -> stopGate(model.modelName()), null));
        }

        @Override
        public void check(ModelDefinition model) {
        }
    }

    @BeforeEach
    void start() {
        controlPlane = new ControlPlane(new StateStore(dir, json), registry, instances,
                new VariantMeterRegistry(new SimpleMeterRegistry()), clock, Executors.newSingleThreadExecutor(),
                new ControlPlane.Settings("local", "000000000000", Duration.ofSeconds(1)));
    }

    @AfterEach
    void stop() {
        controlPlane.close();
    }

    @Test
    void creatingThenInServiceOnlyOnceEveryInstanceServes() throws Exception {
        CompletableFuture<Void> gate = new CompletableFuture<>();
        instances.started.put("good", gate);
        createEndpoint("e1", "good", 2);
        assertThat(status("e1")).isEqualTo("Creating");
        assertThat(registry.get("e1")).isEmpty();
        gate.complete(null);
        awaitStatus("e1", "InService"::equals);
        assertThat(invoke("e1")).isEqualTo("good");
    }

    @Test
    void aTrippedCanaryRollsBackThroughRollingBackToInService() throws Exception {
        createEndpoint("e2", "good", 2);
        awaitStatus("e2", "InService"::equals);
        call("CreateModel", "{\"ModelName\":\"bad-model\",\"PrimaryContainer\":{\"Image\":\"test\"}}");
        call("CreateEndpointConfig", "{\"EndpointConfigName\":\"bad-config\",\"ProductionVariants\":[{"
                + "\"VariantName\":\"AllTraffic\",\"ModelName\":\"bad-model\",\"InitialInstanceCount\":2}]}");
        CompletableFuture<Void> stopBad = new CompletableFuture<>();
        instances.stopGates.put("bad-model", stopBad);
        call("UpdateEndpoint", "{\"EndpointName\":\"e2\",\"EndpointConfigName\":\"bad-config\",\"DeploymentConfig\":{"
                + "\"BlueGreenUpdatePolicy\":{\"TrafficRoutingConfiguration\":{\"Type\":\"CANARY\","
                + "\"WaitIntervalInSeconds\":600,\"CanarySize\":{\"Type\":\"INSTANCE_COUNT\",\"Value\":1}}},"
                + "\"AutoRollbackConfiguration\":{\"Alarms\":[{\"AlarmName\":\"sluice:InvocationModelErrors>0\"}]}}}");
        assertThat(status("e2")).isEqualTo("Updating");
        // Once the new fleet is up, the canary step is due at once on the virtual clock.
        awaitDescribe("e2", d -> d.path("PendingDeploymentSummary").has("ProductionVariants"));
        clock.advance(Duration.ZERO);
        JsonNode shifting = describe("e2");
        assertThat(shifting.at("/PendingDeploymentSummary/ProductionVariants/0/VariantStatus/0/Status").asText())
                .isEqualTo("Baking");
        int failures = 0;
        for (int i = 0; i < 20; i++) {
            try {
                invoke("e2");
            } catch (Exception e) {
                failures++;
            }
        }
        // Half the traffic (1 of 2 instances) went to the canary.
        assertThat(failures).isBetween(8, 12);
        clock.advance(Duration.ofSeconds(1));
        awaitStatus("e2", "RollingBack"::equals);
        assertThat(describe("e2").get("FailureReason").asText()).contains("InvocationModelErrors");
        // Traffic is back on the old fleet before the canary's instances have even stopped.
        for (int i = 0; i < 10; i++) {
            assertThat(invoke("e2")).isEqualTo("good");
        }
        stopBad.complete(null);
        awaitStatus("e2", "InService"::equals);
        assertThat(describe("e2").get("EndpointConfigName").asText()).isEqualTo("good-config");
    }

    @Test
    void deletingDrainsBeforeTheEndpointDisappears() throws Exception {
        createEndpoint("e3", "good", 1);
        awaitStatus("e3", "InService"::equals);
        CompletableFuture<Void> stopGood = new CompletableFuture<>();
        instances.stopGates.put("good", stopGood);
        call("DeleteEndpoint", "{\"EndpointName\":\"e3\"}");
        assertThat(status("e3")).isEqualTo("Deleting");
        assertThat(registry.get("e3")).isEmpty();
        stopGood.complete(null);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                describe("e3");
            } catch (Exception e) {
                assertThat(SluiceException.from(e).code()).isEqualTo(ErrorCode.VALIDATION_EXCEPTION);
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("endpoint was not deleted");
    }

    private void createEndpoint(String name, String model, int instances) throws Exception {
        if (!call("ListModels", "{\"NameContains\":\"" + model + "\"}").get("Models").elements().hasNext()) {
            call("CreateModel", "{\"ModelName\":\"" + model + "\",\"PrimaryContainer\":{\"Image\":\"test\"}}");
            call("CreateEndpointConfig", "{\"EndpointConfigName\":\"" + model + "-config\",\"ProductionVariants\":[{"
                    + "\"VariantName\":\"AllTraffic\",\"ModelName\":\"" + model + "\",\"InitialInstanceCount\":"
                    + instances + "}]}");
        }
        call("CreateEndpoint", "{\"EndpointName\":\"" + name + "\",\"EndpointConfigName\":\"" + model + "-config\"}");
    }

    private JsonNode call(String operation, String body) throws Exception {
        return controlPlane.invoke(operation, json.readTree(body)).get();
    }

    private JsonNode describe(String name) throws Exception {
        return call("DescribeEndpoint", "{\"EndpointName\":\"" + name + "\"}");
    }

    private String status(String name) throws Exception {
        return describe(name).get("EndpointStatus").asText();
    }

    private void awaitStatus(String name, Predicate<String> expected) throws Exception {
        awaitDescribe(name, d -> expected.test(d.get("EndpointStatus").asText()));
    }

    /** Completions hop through the control-plane thread; poll (bounded) until they have. */
    private void awaitDescribe(String name, Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = describe(name);
            if (condition.test(last)) {
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("condition not reached; last DescribeEndpoint: " + last);
    }

    private String invoke(String endpoint) throws Exception {
        InferenceRequest request = new InferenceRequest(new byte[0], "text/plain", null, null, null, null, null, null,
                System.nanoTime());
        InferenceResponse response = registry.get(endpoint).orElseThrow().service().invoke(request)
                .toCompletableFuture().get();
        return new String(response.body(), StandardCharsets.UTF_8);
    }
}
