package dev.sluice.loadtests;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/**
 * Sets endpoints up and tears them down through Sluice's SageMaker control plane on the admin port (awsJson1_1:
 * {@code POST /} with {@code X-Amz-Target: SageMaker.<Operation>}), from a simulation's before()/after() hooks. Plain
 * {@link HttpClient}: these calls are set-up, not load, and must not show up in Gatling's statistics.
 */
final class ControlPlaneClient implements AutoCloseable {
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(200);

    private final String adminUrl;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    ControlPlaneClient(String adminUrl) {
        this.adminUrl = adminUrl;
    }

    /** One operation; its answer's body, or an exception naming the operation, status and SageMaker error. */
    String call(String operation, String requestJson) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(adminUrl + "/"))
                .timeout(CALL_TIMEOUT)
                .header("X-Amz-Target", "SageMaker." + operation)
                .header("Content-Type", "application/x-amz-json-1.1")
                .POST(HttpRequest.BodyPublishers.ofString(requestJson))
                .build();
        HttpResponse<String> response = send(request);
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException("SageMaker." + operation + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        return response.body();
    }

    void createModel(String modelName, String primaryContainerJson) {
        call("CreateModel", "{\"ModelName\":" + Json.quote(modelName) + ",\"PrimaryContainer\":" + primaryContainerJson
                + "}");
    }

    /** @param productionVariantsJson the {@code ProductionVariants} array, as JSON */
    void createEndpointConfig(String configName, String productionVariantsJson) {
        call("CreateEndpointConfig", "{\"EndpointConfigName\":" + Json.quote(configName) + ",\"ProductionVariants\":"
                + productionVariantsJson + "}");
    }

    void createEndpoint(String endpointName, String configName) {
        call("CreateEndpoint", "{\"EndpointName\":" + Json.quote(endpointName) + ",\"EndpointConfigName\":"
                + Json.quote(configName) + "}");
    }

    String describeEndpoint(String endpointName) {
        return call("DescribeEndpoint", "{\"EndpointName\":" + Json.quote(endpointName) + "}");
    }

    /** Polls DescribeEndpoint until InService; a Failed endpoint or the timeout is an exception with the reason. */
    void awaitInService(String endpointName, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = describeEndpoint(endpointName);
            String status = Json.stringField(last, "EndpointStatus");
            if ("InService".equals(status)) {
                return;
            }
            if ("Failed".equals(status)) {
                throw new IllegalStateException("endpoint " + endpointName + " failed: "
                        + Json.stringField(last, "FailureReason"));
            }
            pause();
        }
        throw new IllegalStateException("endpoint " + endpointName + " not InService after " + timeout.toSeconds()
                + " s; last DescribeEndpoint: " + last);
    }

    /** Polls until the (first) variant's CurrentInstanceCount is {@code count}; false on timeout. */
    boolean awaitInstanceCount(String endpointName, long count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            OptionalLong current = Json.longField(describeEndpoint(endpointName), "CurrentInstanceCount");
            if (current.isPresent() && current.getAsLong() == count) {
                return true;
            }
            pause();
        }
        return false;
    }

    /**
     * Deletes what a simulation created, each step on its own so one failure does not leave the rest behind; problems
     * are printed, not thrown, since after() must still report the run's own verdict.
     */
    void deleteQuietly(String endpointName, String configName, List<String> modelNames) {
        tryCall("DeleteEndpoint", "{\"EndpointName\":" + Json.quote(endpointName) + "}");
        tryCall("DeleteEndpointConfig", "{\"EndpointConfigName\":" + Json.quote(configName) + "}");
        for (String model : modelNames) {
            tryCall("DeleteModel", "{\"ModelName\":" + Json.quote(model) + "}");
        }
    }

    /** The admin port's Prometheus text. */
    String metrics() {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(adminUrl + "/metrics"))
                .timeout(CALL_TIMEOUT).GET().build());
        return response.statusCode() == 200 ? response.body() : "";
    }

    private void tryCall(String operation, String requestJson) {
        try {
            call(operation, requestJson);
        } catch (RuntimeException e) {
            System.err.println("clean-up: " + e.getMessage());
        }
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot reach " + request.uri() + " (is the server started? see "
                    + "loadtests/README.md): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted calling " + request.uri(), e);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(POLL_INTERVAL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the control plane", e);
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
