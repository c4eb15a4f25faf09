package dev.sluice.gateway.security;

import static dev.sluice.gateway.security.SecurityFixtures.ACCESS_KEY_ID;
import static dev.sluice.gateway.security.SecurityFixtures.API_KEY;
import static dev.sluice.gateway.security.SecurityFixtures.MLP_CSV;
import static dev.sluice.gateway.security.SecurityFixtures.OTHER_API_KEY;
import static dev.sluice.gateway.security.SecurityFixtures.SECRET_ACCESS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.gateway.SluiceServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.applicationautoscaling.ApplicationAutoScalingClient;
import software.amazon.awssdk.services.applicationautoscaling.model.ServiceNamespace;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sagemakerruntime.SageMakerRuntimeClient;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointResponse;

/**
 * Authentication on both ports of a real server, driven by the unmodified AWS SDK for Java v2 clients (SigV4, as
 * against SageMaker) and by plain HTTP with API keys: right credentials pass, wrong ones get SageMaker's 403 shapes,
 * which the SDK surfaces as exceptions with AWS's error codes; health checks stay open.
 */
class AuthenticationSdkTest {
    @TempDir
    static Path dir;
    static SluiceServer server;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    static final AwsCredentialsProvider GOOD = StaticCredentialsProvider.create(
            AwsBasicCredentials.create(ACCESS_KEY_ID, SECRET_ACCESS_KEY));
    static final AwsCredentialsProvider WRONG_SECRET = StaticCredentialsProvider.create(
            AwsBasicCredentials.create(ACCESS_KEY_ID, SECRET_ACCESS_KEY.replace('S', 'T')));
    static final AwsCredentialsProvider UNKNOWN_KEY = StaticCredentialsProvider.create(
            AwsBasicCredentials.create("AKIAUNKNOWNKEY000001", SECRET_ACCESS_KEY));

    @BeforeAll
    static void start() throws Exception {
        server = SecurityFixtures.server(dir, SecurityFixtures.authenticated());
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    static SageMakerRuntimeClient runtime(AwsCredentialsProvider credentials) {
        return SageMakerRuntimeClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + server.port()))
                .region(Region.US_EAST_1).credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    }

    static SageMakerClient control(AwsCredentialsProvider credentials) {
        return SageMakerClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + server.adminPort()))
                .region(Region.US_EAST_1).credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    }

    static InvokeEndpointResponse invoke(SageMakerRuntimeClient client) {
        return client.invokeEndpoint(b -> b.endpointName("mlp").contentType("text/csv").accept("text/csv")
                .body(SdkBytes.fromUtf8String(MLP_CSV)));
    }

    @Test
    void theSdkSignedWithAConfiguredAccessKeyIsServedOnBothPorts() {
        try (SageMakerRuntimeClient runtime = runtime(GOOD); SageMakerClient control = control(GOOD)) {
            InvokeEndpointResponse response = invoke(runtime);
            assertThat(response.sdkHttpResponse().statusCode()).isEqualTo(200);
            assertThat(response.body().asUtf8String().split(",")).hasSize(3);
            assertThat(control.listEndpoints().sdkHttpResponse().statusCode()).isEqualTo(200);
            assertThat(control.listModels().sdkHttpResponse().statusCode()).isEqualTo(200);
        }
    }

    @Test
    void applicationAutoScalingSignsAsItselfAndIsAcceptedOnTheAdminPort() {
        try (ApplicationAutoScalingClient scaling = ApplicationAutoScalingClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + server.adminPort())).region(Region.US_EAST_1)
                .credentialsProvider(GOOD).httpClientBuilder(UrlConnectionHttpClient.builder()).build()) {
            assertThat(scaling.describeScalableTargets(b -> b.serviceNamespace(ServiceNamespace.SAGEMAKER))
                    .sdkHttpResponse().statusCode()).isEqualTo(200);
        }
        try (ApplicationAutoScalingClient scaling = ApplicationAutoScalingClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + server.adminPort())).region(Region.US_EAST_1)
                .credentialsProvider(WRONG_SECRET).httpClientBuilder(UrlConnectionHttpClient.builder()).build()) {
            assertThatThrownBy(() -> scaling.describeScalableTargets(b -> b.serviceNamespace(ServiceNamespace.SAGEMAKER)))
                    .satisfies(e -> awsError(e, "InvalidSignatureException"));
        }
    }

    @Test
    void aWrongSecretIsInvalidSignatureException() {
        try (SageMakerRuntimeClient runtime = runtime(WRONG_SECRET); SageMakerClient control = control(WRONG_SECRET)) {
            assertThatThrownBy(() -> invoke(runtime)).satisfies(e -> {
                awsError(e, "InvalidSignatureException");
                assertThat(e).hasMessageContaining("The request signature we calculated does not match the signature "
                        + "you provided");
            });
            assertThatThrownBy(control::listEndpoints).satisfies(e -> awsError(e, "InvalidSignatureException"));
        }
    }

    @Test
    void anUnknownAccessKeyIsUnrecognizedClientException() {
        try (SageMakerRuntimeClient runtime = runtime(UNKNOWN_KEY); SageMakerClient control = control(UNKNOWN_KEY)) {
            assertThatThrownBy(() -> invoke(runtime)).satisfies(e -> {
                awsError(e, "UnrecognizedClientException");
                assertThat(e).hasMessageContaining("The security token included in the request is invalid.");
            });
            assertThatThrownBy(control::listEndpoints).satisfies(e -> awsError(e, "UnrecognizedClientException"));
        }
    }

    @Test
    void anUnsignedRequestIsMissingAuthenticationTokenException() {
        try (SageMakerRuntimeClient runtime = runtime(AnonymousCredentialsProvider.create());
             SageMakerClient control = control(AnonymousCredentialsProvider.create())) {
            assertThatThrownBy(() -> invoke(runtime)).satisfies(e -> awsError(e, "MissingAuthenticationTokenException"));
            assertThatThrownBy(control::listEndpoints).satisfies(e -> awsError(e, "MissingAuthenticationTokenException"));
        }
    }

    @Test
    void apiKeysAuthenticateBothPortsAndHealthChecksNeedNone() throws Exception {
        String invoke = "http://127.0.0.1:" + server.port() + "/endpoints/mlp/invocations";
        assertThat(post(invoke, MLP_CSV, Map.of("Authorization", "Bearer " + API_KEY)).statusCode()).isEqualTo(200);
        assertThat(post(invoke, MLP_CSV, Map.of("Authorization", "bearer " + OTHER_API_KEY)).statusCode())
                .isEqualTo(200);
        assertThat(post("http://127.0.0.1:" + server.port() + "/invocations", MLP_CSV,
                Map.of("Authorization", "Bearer " + API_KEY)).statusCode()).isEqualTo(200);
        assertRefused(post(invoke, MLP_CSV, Map.of("Authorization", "Bearer " + API_KEY + "x")),
                "UnrecognizedClientException");
        assertRefused(post(invoke, MLP_CSV, Map.of()), "MissingAuthenticationTokenException");
        assertRefused(post(invoke, MLP_CSV, Map.of("Authorization", "Basic dXNlcjpwYXNz")),
                "IncompleteSignatureException");
        // OIP v2 inference is authenticated as well; its health routes are not.
        assertRefused(post("http://127.0.0.1:" + server.port() + "/v2/models/mlp/infer",
                "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}",
                Map.of("Content-Type", "application/json")), "MissingAuthenticationTokenException");

        assertThat(get("http://127.0.0.1:" + server.port() + "/ping", Map.of()).statusCode()).isEqualTo(200);
        assertThat(get("http://127.0.0.1:" + server.port() + "/v2/health/ready", Map.of()).statusCode())
                .isEqualTo(200);
        assertThat(get("http://127.0.0.1:" + server.port() + "/v2/health/live", Map.of()).statusCode())
                .isEqualTo(200);
        assertThat(get("http://127.0.0.1:" + server.adminPort() + "/ping", Map.of()).statusCode()).isEqualTo(200);

        String metrics = "http://127.0.0.1:" + server.adminPort() + "/metrics";
        assertRefused(get(metrics, Map.of()), "MissingAuthenticationTokenException");
        HttpResponse<String> scrape = get(metrics, Map.of("Authorization", "Bearer " + API_KEY));
        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.body()).contains("sluice_invocations_total");

        HttpResponse<String> list = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminPort()
                        + "/")).header("Content-Type", "application/x-amz-json-1.1")
                .header("X-Amz-Target", "SageMaker.ListEndpoints").header("Authorization", "Bearer " + API_KEY)
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
        assertThat(list.statusCode()).isEqualTo(200);
        HttpResponse<String> refused = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + server.adminPort() + "/")).header("Content-Type", "application/x-amz-json-1.1")
                .header("X-Amz-Target", "SageMaker.ListEndpoints").POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build());
        assertRefused(refused, "MissingAuthenticationTokenException");
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/x-amz-json-1.1");
    }

    @Test
    void aSignatureOutsideFifteenMinutesOfTheServerClockIsRefused() throws Exception {
        String uri = "http://127.0.0.1:" + server.port() + "/endpoints/mlp/invocations";
        HttpResponse<String> old = sendSigned(uri, MLP_CSV, MLP_CSV, Clock.offset(Clock.systemUTC(),
                Duration.ofMinutes(-20)), "sagemaker");
        assertRefused(old, "InvalidSignatureException");
        assertThat(old.body()).contains("Signature expired: ").contains(" - 15 min.)");
        HttpResponse<String> future = sendSigned(uri, MLP_CSV, MLP_CSV, Clock.offset(Clock.systemUTC(),
                Duration.ofMinutes(20)), "sagemaker");
        assertRefused(future, "InvalidSignatureException");
        assertThat(future.body()).contains("Signature not yet current: ");
        // Within the window: served, which also shows the raw signing used here is what the server accepts.
        assertThat(sendSigned(uri, MLP_CSV, MLP_CSV, Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-10)),
                "sagemaker").statusCode()).isEqualTo(200);
    }

    @Test
    void theSignatureCoversTheBodyAndTheService() throws Exception {
        String uri = "http://127.0.0.1:" + server.port() + "/endpoints/mlp/invocations";
        HttpResponse<String> tampered = sendSigned(uri, MLP_CSV, "9,9,9,9", Clock.systemUTC(), "sagemaker");
        assertRefused(tampered, "InvalidSignatureException");
        HttpResponse<String> otherService = sendSigned(uri, MLP_CSV, MLP_CSV, Clock.systemUTC(), "s3");
        assertRefused(otherService, "InvalidSignatureException");
        assertThat(otherService.body()).contains("Credential should be scoped to correct service: 'sagemaker'.");
    }

    @Test
    void anEncodedPathAndAQueryAreSignedAsTheWireCarriesThem() throws Exception {
        // Past authentication, the route decides: an unknown endpoint is SageMaker's 400, not a 403.
        HttpResponse<String> response = sendSigned("http://127.0.0.1:" + server.port()
                + "/endpoints/no%20such%2Bendpoint/invocations?b=2&a=x%2Fy", MLP_CSV, MLP_CSV, Clock.systemUTC(),
                "sagemaker");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.headers().firstValue("x-amzn-ErrorType")).hasValue("ValidationError");
    }

    /** The SDK's own SigV4 signer over {@code signedBody}; {@code sentBody} goes on the wire. */
    static HttpResponse<String> sendSigned(String uri, String signedBody, String sentBody, Clock clock, String service)
            throws Exception {
        SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(URI.create(uri))
                .putHeader("Content-Type", "text/csv").build();
        byte[] body = signedBody.getBytes(StandardCharsets.UTF_8);
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create(ACCESS_KEY_ID, SECRET_ACCESS_KEY))
                .request(request).payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(HttpSigner.SIGNING_CLOCK, clock));
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(uri))
                .POST(HttpRequest.BodyPublishers.ofString(sentBody));
        signed.request().headers().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("Host") && !name.equalsIgnoreCase("Content-Length")) {
                values.forEach(v -> builder.header(name, v));
            }
        });
        return send(builder.build());
    }

    static void awsError(Throwable e, String code) {
        assertThat(e).isInstanceOf(AwsServiceException.class);
        AwsServiceException aws = (AwsServiceException) e;
        assertThat(aws.statusCode()).isEqualTo(403);
        assertThat(aws.awsErrorDetails().errorCode()).isEqualTo(code);
    }

    static void assertRefused(HttpResponse<String> response, String type) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
        assertThat(response.headers().firstValue("x-amzn-ErrorType")).hasValue(type);
        assertThat(response.body()).contains("\"__type\":\"" + type + "\"");
    }

    static HttpResponse<String> post(String uri, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(uri)).header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(builder::setHeader);
        return send(builder.build());
    }

    static HttpResponse<String> get(String uri, Map<String, String> headers) throws Exception {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(uri)).GET();
        headers.forEach(builder::header);
        return send(builder.build());
    }

    static HttpResponse<String> send(HttpRequest request) throws Exception {
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
