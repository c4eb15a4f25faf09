package dev.sluice.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.config.ModelConfig;
import dev.sluice.core.config.SecurityConfig;
import dev.sluice.core.config.ServerConfig;
import dev.sluice.gateway.SluiceServer;
import dev.sluice.modelhost.testing.OnnxFixtures;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Credentials, key pairs and servers for the security tests. Every secret here is made up for the tests. */
public final class SecurityFixtures {
    public static final String API_KEY = "sk-test-2f1c9a7e5b3d4c6e8a0b1c2d";
    public static final String OTHER_API_KEY = "sk-test-other-key-7d6c5b4a39281706";
    public static final String ACCESS_KEY_ID = "AKIASLUICETEST0001";
    public static final String SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSLUICESECRET";

    private SecurityFixtures() {
    }

    /** API key and AWS access key both accepted; no TLS. */
    public static SecurityConfig authenticated() {
        return new SecurityConfig(SecurityConfig.AuthMode.AUTO,
                List.of(SecurityConfig.apiKeyDigest(API_KEY), SecurityConfig.apiKeyDigest(OTHER_API_KEY)),
                List.of(new SecurityConfig.AwsAccessKey(ACCESS_KEY_ID, SECRET_ACCESS_KEY)), null);
    }

    /** A gateway on loopback port 0 serving the MLP fixture as endpoint {@code mlp}, with the given security. */
    public static SluiceServer server(Path dir, SecurityConfig security) throws Exception {
        Path model = OnnxFixtures.mlp(dir.resolve("mlp"));
        ServerConfig config = new ServerConfig("127.0.0.1", 0, 0, ServerConfig.DEFAULT_MAX_PAYLOAD_BYTES,
                Duration.ofSeconds(5), List.of(ModelConfig.tensor("mlp", model.toString())), List.of(), null,
                ServerConfig.Role.GATEWAY, List.of(), null, null, security);
        SluiceServer server = SluiceServer.start(config, dir.resolve("work"), dir.resolve("state"));
        server.modelsLoaded().get(120, TimeUnit.SECONDS);
        server.restored().get(60, TimeUnit.SECONDS);
        return server;
    }

    /** One row for the MLP (4 features), as CSV. */
    public static final String MLP_CSV = "0.5,-1.25,2.0,0.75";

    /** A self-signed key pair for 127.0.0.1/localhost, as a PKCS#12 store and as PEM files (chain, PKCS#8 key). */
    public record KeyPair(Path pkcs12, String password, Path certificatePem, Path privateKeyPem,
                          X509Certificate certificate) {
        /** An SSLContext that trusts exactly this certificate. */
        public SSLContext clientContext() throws Exception {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trustManagers().getTrustManagers(), null);
            return context;
        }

        public TrustManagerFactory trustManagers() throws Exception {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("sluice", certificate);
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            return factory;
        }
    }

    /** Made with the running JDK's keytool (no BouncyCastle), then exported to PEM here. */
    public static KeyPair selfSigned(Path dir, String alias) throws Exception {
        Files.createDirectories(dir);
        Path p12 = dir.resolve(alias + ".p12");
        String password = "p12-password-" + alias;
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", alias, "-keyalg", "EC",
                "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA", "-validity", "2", "-dname",
                "CN=" + alias + ",O=Sluice tests", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
                "-keystore", p12.toString(), "-storepass", password, "-keypass", password)
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("keytool: " + output).isZero();

        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            store.load(in, password.toCharArray());
        }
        X509Certificate certificate = (X509Certificate) store.getCertificate(alias);
        PrivateKey key = (PrivateKey) store.getKey(alias, password.toCharArray());
        Path certPem = dir.resolve(alias + "-cert.pem");
        Path keyPem = dir.resolve(alias + "-key.pem");
        Files.writeString(certPem, pem("CERTIFICATE", certificate.getEncoded()));
        Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()));
        return new KeyPair(p12, password, certPem, keyPem, certificate);
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    static void writeSecret(Path file, String value) throws IOException {
        Files.writeString(file, value);
    }
}
