package dev.sluice.gateway.security;

import static dev.sluice.gateway.security.SecurityFixtures.ACCESS_KEY_ID;
import static dev.sluice.gateway.security.SecurityFixtures.API_KEY;
import static dev.sluice.gateway.security.SecurityFixtures.MLP_CSV;
import static dev.sluice.gateway.security.SecurityFixtures.SECRET_ACCESS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.config.SecurityConfig;
import dev.sluice.core.config.SecurityConfig.TlsConfig;
import dev.sluice.gateway.SluiceServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sagemakerruntime.SageMakerRuntimeClient;

/**
 * TLS on both ports, from a PEM pair and from a PKCS#12 store made by the JDK's keytool at test time: clients that
 * trust the certificate (java.net.http and the AWS SDK) are served over HTTPS, plain HTTP and untrusting clients are
 * not, and a key pair that cannot be used stops the start with a message naming the file.
 */
class TlsTest {
    @TempDir
    static Path dir;
    static SecurityFixtures.KeyPair pair;
    static SluiceServer server;

    @BeforeAll
    static void start() throws Exception {
        pair = SecurityFixtures.selfSigned(dir.resolve("tls"), "sluice-test");
        SecurityConfig auth = SecurityFixtures.authenticated();
        server = SecurityFixtures.server(dir.resolve("pem"), new SecurityConfig(auth.auth(), auth.apiKeySha256(),
                auth.awsAccessKeys(), TlsConfig.pem(pair.certificatePem(), pair.privateKeyPem())));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    HttpClient trusting() throws Exception {
        return HttpClient.newBuilder().sslContext(pair.clientContext()).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Test
    void bothPortsServeHttpsToAClientThatTrustsTheCertificate() throws Exception {
        HttpClient client = trusting();
        assertThat(client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + "/ping"))
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + server.adminPort()
                + "/ping")).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        HttpResponse<String> invoked = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:"
                        + server.port() + "/endpoints/mlp/invocations")).header("Content-Type", "text/csv")
                .header("Authorization", "Bearer " + API_KEY).POST(HttpRequest.BodyPublishers.ofString(MLP_CSV))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(invoked.statusCode()).as(invoked.body()).isEqualTo(200);
        HttpResponse<String> metrics = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:"
                + server.adminPort() + "/metrics")).header("Authorization", "Bearer " + API_KEY).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
    }

    @Test
    void theAwsSdkSignsAndCallsBothPortsOverHttps() throws Exception {
        StaticCredentialsProvider credentials = StaticCredentialsProvider.create(
                AwsBasicCredentials.create(ACCESS_KEY_ID, SECRET_ACCESS_KEY));
        UrlConnectionHttpClient.Builder http = UrlConnectionHttpClient.builder()
                .tlsTrustManagersProvider(() -> {
                    try {
                        return pair.trustManagers().getTrustManagers();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
        try (SageMakerRuntimeClient runtime = SageMakerRuntimeClient.builder()
                .endpointOverride(URI.create("https://127.0.0.1:" + server.port())).region(Region.US_EAST_1)
                .credentialsProvider(credentials).httpClientBuilder(http).build();
             SageMakerClient control = SageMakerClient.builder()
                     .endpointOverride(URI.create("https://127.0.0.1:" + server.adminPort())).region(Region.US_EAST_1)
                     .credentialsProvider(credentials).httpClientBuilder(http).build()) {
            assertThat(runtime.invokeEndpoint(b -> b.endpointName("mlp").contentType("text/csv")
                    .body(SdkBytes.fromUtf8String(MLP_CSV))).sdkHttpResponse().statusCode()).isEqualTo(200);
            assertThat(control.listEndpoints().sdkHttpResponse().statusCode()).isEqualTo(200);
        }
    }

    @Test
    void plainHttpAndUntrustingClientsGetNothing() {
        HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        for (int port : new int[] {server.port(), server.adminPort()}) {
            assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/ping")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(IOException.class);
            // The JDK's default trust store does not know a self-signed certificate.
            assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port
                    + "/ping")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(SSLHandshakeException.class);
        }
    }

    @Test
    void aPkcs12KeyStoreServesLikeThePemPair() throws Exception {
        try (SluiceServer p12 = SecurityFixtures.server(dir.resolve("p12"), new SecurityConfig(null, null, null,
                TlsConfig.pkcs12(pair.pkcs12(), pair.password())))) {
            HttpClient client = trusting();
            for (int port : new int[] {p12.port(), p12.adminPort()}) {
                assertThat(client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/ping"))
                        .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void aKeyPairThatCannotBeUsedStopsTheStartWithAClearMessage() throws Exception {
        assertThatThrownBy(() -> SecurityFixtures.server(dir.resolve("wrong-password"), new SecurityConfig(null, null,
                null, TlsConfig.pkcs12(pair.pkcs12(), "not-the-password"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(pair.pkcs12().toString()).hasMessageContaining("wrong password")
                .hasMessageNotContaining("not-the-password");

        SecurityFixtures.KeyPair other = SecurityFixtures.selfSigned(dir.resolve("other"), "other");
        assertThatThrownBy(() -> SecurityFixtures.server(dir.resolve("mismatch"), new SecurityConfig(null, null,
                null, TlsConfig.pem(pair.certificatePem(), other.privateKeyPem()))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not belong to the certificate");

        Path pkcs1 = dir.resolve("rsa-pkcs1.pem");
        Files.writeString(pkcs1, "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n");
        assertThatThrownBy(() -> SecurityFixtures.server(dir.resolve("pkcs1"), new SecurityConfig(null, null, null,
                TlsConfig.pem(pair.certificatePem(), pkcs1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");

        assertThatThrownBy(() -> TlsConfig.pem(pair.certificatePem(), dir.resolve("missing.pem")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
    }
}
