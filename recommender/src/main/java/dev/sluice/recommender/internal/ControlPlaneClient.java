package dev.sluice.recommender.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import java.io.IOException;
import dev.sluice.recommender.Gateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The SageMaker control plane of a Sluice gateway, spoken as the AWS SDKs speak it (awsJson1_1: {@code POST /} with
 * {@code X-Amz-Target: SageMaker.<Operation>}). Errors come back as {@link SluiceException}s carrying the
 * server's error type where it is one Sluice knows.
 */
public final class ControlPlaneClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTENT_TYPE = "application/x-amz-json-1.1";

    private final HttpClient client;
    private final Gateway gateway;
    private final URI endpoint;
    private final Duration timeout;

    public ControlPlaneClient(HttpClient client, Gateway gateway, Duration timeout) {
        this.client = client;
        this.gateway = gateway;
        this.endpoint = gateway.adminUrl().resolve("/");
        this.timeout = timeout;
    }

    public JsonNode call(String operation, ObjectNode body) throws InterruptedException {
        HttpRequest request = gateway.request(endpoint).timeout(timeout)
                .header("Content-Type", CONTENT_TYPE)
                .header("X-Amz-Target", "SageMaker." + operation)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        HttpResponse<String> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new SluiceException(ErrorCode.INTERNAL_DEPENDENCY, operation + " on " + endpoint
                    + " failed: " + LoadGenerator.describe(e), e);
        }
        JsonNode answer;
        try {
            String text = response.body();
            answer = text == null || text.isBlank() ? JSON.createObjectNode() : JSON.readTree(text);
        } catch (IOException e) {
            answer = JSON.createObjectNode();
        }
        if (response.statusCode() / 100 != 2) {
            String type = answer.path("__type").asText("");
            int hash = type.lastIndexOf('#');
            type = hash >= 0 ? type.substring(hash + 1) : type;
            String message = answer.path("message").asText(answer.path("Message").asText("HTTP "
                    + response.statusCode()));
            throw new SluiceException(errorCode(type), operation + ": " + message);
        }
        return answer;
    }

    public void createModel(ObjectNode request) throws InterruptedException {
        call("CreateModel", request);
    }

    public void createEndpointConfig(ObjectNode request) throws InterruptedException {
        call("CreateEndpointConfig", request);
    }

    public void createEndpoint(String endpointName, String configName) throws InterruptedException {
        call("CreateEndpoint", JSON.createObjectNode().put("EndpointName", endpointName)
                .put("EndpointConfigName", configName));
    }

    /** DescribeEndpoint, or null when the endpoint does not exist (what the SDK's EndpointDeleted waiter looks for). */
    public JsonNode describeEndpoint(String endpointName) throws InterruptedException {
        try {
            return call("DescribeEndpoint", JSON.createObjectNode().put("EndpointName", endpointName));
        } catch (SluiceException e) {
            if (e.code() == ErrorCode.VALIDATION_EXCEPTION || e.code() == ErrorCode.RESOURCE_NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    /** Deletes, ignoring a resource that is already gone. */
    public void delete(String operation, String field, String name) throws InterruptedException {
        try {
            call(operation, JSON.createObjectNode().put(field, name));
        } catch (SluiceException e) {
            if (e.code() != ErrorCode.VALIDATION_EXCEPTION && e.code() != ErrorCode.RESOURCE_NOT_FOUND) {
                throw e;
            }
        }
    }

    private static ErrorCode errorCode(String type) {
        for (ErrorCode code : ErrorCode.values()) {
            if (code.type().equals(type) && code.httpStatus() == 400) {
                return code;
            }
        }
        return ErrorCode.INTERNAL_DEPENDENCY;
    }
}
