package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.config.SecurityConfig;
import dev.sluice.core.config.ServerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The security flags of {@code serve} and {@code host}: keys from files and environment variables into
 * {@link SecurityConfig}, the refusal to listen beyond loopback without them, and errors that name the file and line
 * but never the secret.
 */
class SecurityOptionsTest {
    static final String KEY_1 = "first-api-key-0123456789abcdef";
    static final String KEY_2 = "second-api-key-0123456789abcdef";
    static final String ENV_KEY = "env-api-key-0123456789abcdef00";

    @TempDir
    Path dir;

    private static ServeCommand serve(Map<String, String> env, String... args) {
        ServeCommand command = new ServeCommand();
        command.security.environment = env;
        new CommandLine(command).parseArgs(args);
        return command;
    }

    private static HostCommand host(Map<String, String> env, String... args) {
        HostCommand command = new HostCommand();
        command.security.environment = env;
        new CommandLine(command).parseArgs(args);
        return command;
    }

    @Test
    void apiKeysFromAFileAndTheEnvironmentAreHeldAsDigests() throws Exception {
        Path keys = Files.writeString(dir.resolve("api-keys"), "# team A\n" + KEY_1 + "\n\n  " + KEY_2 + "  \n");
        ServerConfig config = serve(Map.of("SLUICE_API_KEYS", ENV_KEY), "--no-demo", "--bind", "0.0.0.0",
                "--api-keys-file", keys.toString()).toServerConfig();
        assertThat(config.bindAddress()).isEqualTo("0.0.0.0");
        assertThat(config.adminBindAddress()).isEqualTo("127.0.0.1");
        assertThat(config.security().authenticates()).isTrue();
        assertThat(config.security().apiKeySha256()).containsExactly(SecurityConfig.apiKeyDigest(KEY_1),
                SecurityConfig.apiKeyDigest(KEY_2), SecurityConfig.apiKeyDigest(ENV_KEY));
        assertThat(config.toString()).doesNotContain(KEY_1).doesNotContain(ENV_KEY);
    }

    @Test
    void awsAccessKeysFromASharedCredentialsFileAColonFileAndTheEnvironment() throws Exception {
        Path ini = Files.writeString(dir.resolve("credentials"), """
                [default]
                aws_access_key_id = AKIADEFAULT000001
                aws_secret_access_key = secretDefault/abc+123
                region = eu-west-1

                ; a comment
                [ci]
                aws_access_key_id=AKIACI00000000002
                aws_secret_access_key=secretCi/xyz
                """);
        ServerConfig config = host(Map.of("SLUICE_AWS_ACCESS_KEYS", "AKIAENV0000000003:secretEnv,"),
                "--model", "m=/m.onnx", "--bind", "0.0.0.0", "--admin-bind", "0.0.0.0",
                "--aws-credentials-file", ini.toString()).toServerConfig();
        assertThat(config.adminBindAddress()).isEqualTo("0.0.0.0");
        assertThat(config.security().awsAccessKeys()).containsExactly(
                new SecurityConfig.AwsAccessKey("AKIADEFAULT000001", "secretDefault/abc+123"),
                new SecurityConfig.AwsAccessKey("AKIACI00000000002", "secretCi/xyz"),
                new SecurityConfig.AwsAccessKey("AKIAENV0000000003", "secretEnv"));

        Path colon = Files.writeString(dir.resolve("keys"), "# id:secret\nAKIACOLON00000004:s3cr3t/with+chars\n");
        assertThat(host(Map.of(), "--model", "m=/m.onnx", "--aws-credentials-file", colon.toString())
                .toServerConfig().security().awsAccessKeys())
                .containsExactly(new SecurityConfig.AwsAccessKey("AKIACOLON00000004", "s3cr3t/with+chars"));
    }

    @Test
    void tlsFlagsBecomeTheTlsConfig() throws Exception {
        Path cert = Files.writeString(dir.resolve("cert.pem"), "x");
        Path key = Files.writeString(dir.resolve("key.pem"), "x");
        Path p12 = Files.writeString(dir.resolve("server.p12"), "x");
        Path password = Files.writeString(dir.resolve("password"), "store-pass\n");
        assertThat(serve(Map.of(), "--no-demo", "--tls-cert", cert.toString(), "--tls-key", key.toString())
                .toServerConfig().security().tls()).isEqualTo(SecurityConfig.TlsConfig.pem(cert, key));
        assertThat(host(Map.of(), "--model", "m=/m.onnx", "--tls-keystore", p12.toString(),
                "--tls-keystore-password-file", password.toString()).toServerConfig().security().tls())
                .isEqualTo(SecurityConfig.TlsConfig.pkcs12(p12, "store-pass"));
        assertThatThrownBy(() -> serve(Map.of(), "--no-demo", "--tls-cert", cert.toString()).toServerConfig())
                .hasMessageContaining("--tls-key");
    }

    @Test
    void mistakesNameTheFileAndLineButNeverTheSecret() throws Exception {
        Path keys = Files.writeString(dir.resolve("api-keys"), KEY_1 + "\nshort-secret\n");
        assertThatThrownBy(() -> serve(Map.of(), "--api-keys-file", keys.toString()).toServerConfig())
                .hasMessageContaining("--api-keys-file " + keys + " line 2").hasMessageContaining("at least 16")
                .hasMessageNotContaining("short-secret");
        Path ini = Files.writeString(dir.resolve("credentials"), "[p]\naws_access_key_id = AKIAONLYID0000001\n");
        assertThatThrownBy(() -> serve(Map.of(), "--aws-credentials-file", ini.toString()).toServerConfig())
                .hasMessageContaining("profile [p]").hasMessageContaining("needs both");
        assertThatThrownBy(() -> serve(Map.of("SLUICE_AWS_ACCESS_KEYS", "no-colon-secret"), "--no-demo")
                .toServerConfig()).hasMessageContaining("$SLUICE_AWS_ACCESS_KEYS")
                .hasMessageNotContaining("no-colon-secret");
        assertThatThrownBy(() -> serve(Map.of(), "--auth", "maybe").toServerConfig())
                .hasMessageContaining("--auth must be auto or none");
        Path empty = Files.writeString(dir.resolve("empty"), "# nothing yet\n");
        assertThatThrownBy(() -> serve(Map.of(), "--api-keys-file", empty.toString()).toServerConfig())
                .hasMessageContaining("holds no key");
        assertThatThrownBy(() -> serve(Map.of(), "--api-keys-file", dir.resolve("missing").toString())
                .toServerConfig()).hasMessageContaining("cannot read it");
    }

    @Test
    void servingBeyondLoopbackWithoutCredentialsExitsTwoWithWhatToDo() {
        for (String command : List.of("serve", "host")) {
            StringWriter err = new StringWriter();
            CommandLine cli = SluiceCommand.commandLine();
            cli.setErr(new PrintWriter(err, true));
            int code = cli.execute(command, "--bind", "0.0.0.0", "--port", "0", "--admin-port", "0", "--model",
                    "m=" + dir.resolve("never-loaded.onnx"), "--work-dir", dir.resolve("work").toString());
            assertThat(code).isEqualTo(2);
            assertThat(err.toString()).contains("sluice " + command + ": bindAddress 0.0.0.0 is not a loopback "
                    + "address").contains("--api-keys-file").contains("--aws-credentials-file")
                    .contains("--auth none");
        }
        // The admin port follows the same rule.
        assertThatThrownBy(() -> serve(Map.of(), "--no-demo", "--admin-bind", "0.0.0.0").toServerConfig())
                .hasMessageContaining("adminBindAddress 0.0.0.0 is not a loopback address");
    }

    @Test
    void authNoneListensAnywhereAndLoopbackNeedsNothing() {
        ServerConfig none = serve(Map.of(), "--no-demo", "--bind", "0.0.0.0", "--admin-bind", "::", "--auth", "none")
                .toServerConfig();
        assertThat(none.security().auth()).isEqualTo(SecurityConfig.AuthMode.NONE);
        assertThat(none.security().authenticates()).isFalse();
        ServerConfig loopback = serve(Map.of(), "--no-demo").toServerConfig();
        assertThat(loopback.bindAddress()).isEqualTo("127.0.0.1");
        assertThat(loopback.security()).isEqualTo(SecurityConfig.DEFAULT);
    }
}
