package dev.sluice.recommender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.SluiceException;
import dev.sluice.recommender.internal.ControlPlaneClient;
import dev.sluice.recommender.internal.HostingRequests;
import dev.sluice.recommender.internal.LoadGenerator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The open-model generator against a server with a known service time. */
@Timeout(30)
class LoadGeneratorTest {
    private FakeGateway gateway;
    private HttpClient client;
    private URI endpoint;

    @BeforeEach
    void start() throws Exception {
        gateway = new FakeGateway();
        gateway.setupMillis = 0;
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ControlPlaneClient controlPlane = new ControlPlaneClient(client, gateway.gateway(), Duration.ofSeconds(5));
        controlPlane.createModel(HostingRequests.createModel("m", "sluice/onnx", "/m.onnx",
                Map.of("SAGEMAKER_MODEL_SERVER_WORKERS", "64")));
        controlPlane.createEndpointConfig(HostingRequests.createEndpointConfig("m", "m", "ml.c5.large", 1));
        controlPlane.createEndpoint("m", "m");
        endpoint = gateway.url().resolve("/endpoints/m/invocations");
    }

    @AfterEach
    void stop() {
        client.close();
        gateway.close();
    }

    @Test
    void requestsStartOnScheduleWhetherOrNotEarlierOnesAnswered() throws Exception {
        gateway.serviceMillis = 100;
        LoadGenerator generator = new LoadGenerator(client, HttpRequest.newBuilder(endpoint), "1,2".getBytes(), "text/csv", null, 64,
                Duration.ofSeconds(5));
        long start = System.nanoTime();
        LoadGenerator.Measurement m = generator.run(50, Duration.ofSeconds(1), () -> false);
        double seconds = (System.nanoTime() - start) / 1e9;
        // A closed loop of one client would need 5 s for 50 requests of 100 ms; the open model needs 1 s + one answer.
        assertThat(seconds).isLessThan(2.5);
        assertThat(m.requests()).isEqualTo(50);
        assertThat(m.errors()).isZero();
        assertThat(m.percentileMillis(50)).isBetween(100.0, 400.0);
        assertThat(m.seconds()).isEqualTo(1.0);
    }

    @Test
    void requestsBeyondTheInFlightBoundAreErrorsAndLatencyCountsFromTheScheduledStart() throws Exception {
        gateway.serviceMillis = 200;
        LoadGenerator generator = new LoadGenerator(client, HttpRequest.newBuilder(endpoint), "1,2".getBytes(), "text/csv", null, 2,
                Duration.ofSeconds(5));
        LoadGenerator.Measurement m = generator.run(40, Duration.ofSeconds(1), () -> false);
        assertThat(m.requests()).isEqualTo(40);
        assertThat(m.errors()).isGreaterThanOrEqualTo(30);
        assertThat(m.errorKinds()).containsKey("not started (in-flight bound reached)");
        assertThat(m.percentileMillis(50)).isGreaterThanOrEqualTo(200.0);
    }

    @Test
    void aGrowingQueueShowsAsALateMedianFarAboveTheEarlyOne() throws Exception {
        new ControlPlaneClient(client, gateway.gateway(), Duration.ofSeconds(5)).createModel(HostingRequests.createModel(
                "one", "sluice/onnx", "/m.onnx", Map.of("SAGEMAKER_MODEL_SERVER_WORKERS", "1")));
        ControlPlaneClient controlPlane = new ControlPlaneClient(client, gateway.gateway(), Duration.ofSeconds(5));
        controlPlane.createEndpointConfig(HostingRequests.createEndpointConfig("one", "one", "ml.c5.large", 1));
        controlPlane.createEndpoint("one", "one");
        gateway.serviceMillis = 20;
        LoadGenerator generator = new LoadGenerator(client, HttpRequest.newBuilder(gateway.url().resolve("/endpoints/one/invocations")),
                "1,2".getBytes(), "text/csv", null, 256, Duration.ofSeconds(10));
        // One runner of 20 ms serves 50/s; 100/s grows the queue by 50 requests (a second of work) every second, so
        // the last third waits about five times as long as the first.
        LoadGenerator.Measurement m = generator.run(100, Duration.ofSeconds(2), () -> false);
        assertThat(m.errors()).isZero();
        assertThat(m.lateMedianMillis()).isGreaterThan(2 * m.earlyMedianMillis() + 1);
    }

    @Test
    void theWarmUpReportsASingleClientsRateAndFailsOnARefusedPayload() throws Exception {
        gateway.serviceMillis = 5;
        LoadGenerator generator = new LoadGenerator(client, HttpRequest.newBuilder(endpoint), "1,2".getBytes(), "text/csv", null, 8,
                Duration.ofSeconds(5));
        LoadGenerator.WarmUp warm = generator.warmUp(Duration.ofMillis(300), 1000, () -> false);
        assertThat(warm.requests()).isPositive();
        assertThat(warm.ratePerSecond()).isBetween(10.0, 210.0);
        assertThat(warm.p50Millis()).isGreaterThanOrEqualTo(5.0);
        gateway.rejectStatus = 415;
        assertThatThrownBy(() -> generator.warmUp(Duration.ZERO, 10, () -> false))
                .isInstanceOf(SluiceException.class).hasMessageContaining("HTTP 415");
    }

    @Test
    void aStepCanBeCancelled() throws Exception {
        gateway.serviceMillis = 1;
        LoadGenerator generator = new LoadGenerator(client, HttpRequest.newBuilder(endpoint), "1,2".getBytes(), "text/csv", null, 8,
                Duration.ofSeconds(5));
        long start = System.nanoTime();
        long deadline = start + 300_000_000L;
        LoadGenerator.Measurement m = generator.run(100, Duration.ofSeconds(20), () -> System.nanoTime() > deadline);
        assertThat((System.nanoTime() - start) / 1e9).isLessThan(5);
        assertThat(m.requests()).isLessThan(200);
    }
}
