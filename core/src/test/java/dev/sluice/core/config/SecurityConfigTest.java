package dev.sluice.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The authentication default (off on loopback, required elsewhere unless turned off), validation, and that no
 * {@code toString} in the config prints a secret.
 */
class SecurityConfigTest {
    static final String KEY = "an-api-key-for-tests-0123456789";
    static final String SECRET = "aws-secret-for-tests/+0123456789";

    @TempDir
    Path dir;

    static ServerConfig server(String bind, String adminBind, SecurityConfig security) {
        return new ServerConfig(bind, 0, 0, ServerConfig.DEFAULT_MAX_PAYLOAD_BYTES, Duration.ofSeconds(1), List.of(),
                List.of(), null, ServerConfig.Role.GATEWAY, List.of(), null, adminBind, security);
    }

    static SecurityConfig withApiKey() {
        return new SecurityConfig(null, List.of(SecurityConfig.apiKeyDigest(KEY)), List.of(), null);
    }

    @Test
    void loopbackNeedsNoCredentialsAndTheDefaultsAreLoopback() {
        ServerConfig config = server(null, null, null);
        assertThat(config.bindAddress()).isEqualTo("127.0.0.1");
        assertThat(config.adminBindAddress()).isEqualTo("127.0.0.1");
        assertThat(config.security().authenticates()).isFalse();
        assertThat(server("::1", "localhost", null).security().authenticates()).isFalse();
    }

    @Test
    void anyOtherAddressWithoutCredentialsIsRefusedWithWhatToDo() {
        for (String address : List.of("0.0.0.0", "::", "10.1.2.3", "192.0.2.1")) {
            assertThatThrownBy(() -> server(address, null, null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("bindAddress " + address + " is not a loopback address")
                    .hasMessageContaining("--api-keys-file").hasMessageContaining("SLUICE_API_KEYS")
                    .hasMessageContaining("--aws-credentials-file").hasMessageContaining("--auth none");
        }
        assertThatThrownBy(() -> server("127.0.0.1", "0.0.0.0", null))
                .hasMessageContaining("adminBindAddress 0.0.0.0 is not a loopback address");
    }

    @Test
    void credentialsOrAnExplicitNoneLetAServerListenEverywhere() {
        assertThat(server("0.0.0.0", "0.0.0.0", withApiKey()).security().authenticates()).isTrue();
        SecurityConfig aws = new SecurityConfig(null, null, List.of(new SecurityConfig.AwsAccessKey("AKIDTEST1",
                SECRET)), null);
        assertThat(server("0.0.0.0", null, aws).security().authenticates()).isTrue();
        SecurityConfig none = new SecurityConfig(SecurityConfig.AuthMode.NONE, null, null, null);
        assertThat(server("0.0.0.0", "0.0.0.0", none).security().authenticates()).isFalse();
        // Credentials on loopback: checked too.
        assertThat(server("127.0.0.1", null, withApiKey()).security().authenticates()).isTrue();
    }

    @Test
    void noneWithKeysIsAContradictionNotASilentOff() {
        assertThatThrownBy(() -> new SecurityConfig(SecurityConfig.AuthMode.NONE,
                List.of(SecurityConfig.apiKeyDigest(KEY)), null, null))
                .hasMessageContaining("auth is none but 1 API key(s) are configured");
    }

    @Test
    void weakOrUnsendableApiKeysAreRefused() {
        assertThatThrownBy(() -> SecurityConfig.apiKeyDigest("short")).hasMessageContaining("at least 16");
        assertThatThrownBy(() -> SecurityConfig.apiKeyDigest("has a space in it 0123"))
                .hasMessageContaining("visible ASCII");
        assertThatThrownBy(() -> new SecurityConfig(null, List.of(KEY), null, null))
                .hasMessageContaining("SHA-256 digests");
        assertThatThrownBy(() -> new SecurityConfig(null, null, List.of(new SecurityConfig.AwsAccessKey("AKID1",
                SECRET), new SecurityConfig.AwsAccessKey("AKID1", SECRET + "x")), null))
                .hasMessageContaining("AKID1 is given twice");
    }

    @Test
    void toStringsNeverPrintSecrets() throws Exception {
        Path p12 = Files.writeString(dir.resolve("server.p12"), "not really a key store");
        SecurityConfig security = new SecurityConfig(null, List.of(SecurityConfig.apiKeyDigest(KEY)),
                List.of(new SecurityConfig.AwsAccessKey("AKIDTEST1", SECRET)),
                SecurityConfig.TlsConfig.pkcs12(p12, "store-password-123"));
        String printed = server("0.0.0.0", null, security).toString();
        assertThat(printed).contains("AKIDTEST1").contains("apiKeys=1").contains("server.p12")
                .doesNotContain(KEY).doesNotContain(SECRET).doesNotContain("store-password-123")
                .doesNotContain(SecurityConfig.apiKeyDigest(KEY));
        assertThat(new SecurityConfig.AwsAccessKey("AKIDTEST1", SECRET).toString()).isEqualTo("AKIDTEST1:****");
    }

    @Test
    void tlsNeedsACompleteKeyPair() throws Exception {
        Path cert = Files.writeString(dir.resolve("cert.pem"), "x");
        Path key = Files.writeString(dir.resolve("key.pem"), "x");
        assertThatThrownBy(() -> new SecurityConfig.TlsConfig(cert, null, null, null))
                .hasMessageContaining("needs both");
        assertThatThrownBy(() -> new SecurityConfig.TlsConfig(cert, key, cert, null)).hasMessageContaining("not both");
        assertThatThrownBy(() -> SecurityConfig.TlsConfig.pem(cert, dir.resolve("nope.pem")))
                .hasMessageContaining("does not exist");
        assertThat(SecurityConfig.TlsConfig.pem(cert, key).toString()).contains("cert.pem");
    }
}
