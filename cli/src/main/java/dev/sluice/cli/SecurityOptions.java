package dev.sluice.cli;

import dev.sluice.core.config.SecurityConfig;
import dev.sluice.core.config.SecurityConfig.AwsAccessKey;
import dev.sluice.core.config.SecurityConfig.TlsConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Authentication and TLS, shared by {@code serve} and {@code host}. Secrets come from files or environment variables,
 * never from the command line, where every user of the machine could read them ({@code ps}); every error message names
 * the file and line, never the secret.
 */
final class SecurityOptions {
    /** API keys, separated by commas or whitespace. */
    static final String API_KEYS_ENV = "SLUICE_API_KEYS";
    /** AWS access keys as {@code ACCESS_KEY_ID:SECRET}, separated by commas or whitespace. */
    static final String AWS_ACCESS_KEYS_ENV = "SLUICE_AWS_ACCESS_KEYS";

    @Option(names = "--auth", paramLabel = "auto|none",
            description = "auto (default): authenticate when API keys or AWS access keys are configured, and refuse "
                    + "to listen beyond loopback without them; none: never authenticate (you said so).")
    String auth;

    @Option(names = "--api-keys-file", paramLabel = "FILE",
            description = "Accept 'Authorization: Bearer KEY' for the keys in FILE, one per line (# comments); also "
                    + "from $" + API_KEYS_ENV + ". Keys are at least 16 characters.")
    Path apiKeysFile;

    @Option(names = "--aws-credentials-file", paramLabel = "FILE",
            description = "Accept AWS SigV4 signatures made with the access keys in FILE: an AWS shared credentials "
                    + "file (aws_access_key_id / aws_secret_access_key per profile) or ACCESS_KEY_ID:SECRET per "
                    + "line; also from $" + AWS_ACCESS_KEYS_ENV + ".")
    Path awsCredentialsFile;

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "Serve HTTPS on both ports with this PEM certificate chain (server certificate first).")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "The PEM private key (unencrypted PKCS#8) of "
            + "--tls-cert.")
    Path tlsKey;

    @Option(names = "--tls-keystore", paramLabel = "FILE",
            description = "Serve HTTPS on both ports with the key pair in this PKCS#12 (.p12) key store.")
    Path tlsKeyStore;

    @Option(names = "--tls-keystore-password-file", paramLabel = "FILE",
            description = "The password of --tls-keystore (the file's first line).")
    Path tlsKeyStorePasswordFile;

    /** The process environment; tests give their own. */
    Map<String, String> environment = System.getenv();

    /** @throws IllegalArgumentException naming the option, file and line of anything wrong */
    SecurityConfig toConfig() {
        SecurityConfig.AuthMode mode = switch (auth == null ? "auto" : auth.toLowerCase(Locale.ROOT)) {
            case "auto" -> SecurityConfig.AuthMode.AUTO;
            case "none" -> SecurityConfig.AuthMode.NONE;
            default -> throw new IllegalArgumentException("--auth must be auto or none, got '" + auth + "'");
        };
        List<String> apiKeys = new ArrayList<>();
        if (apiKeysFile != null) {
            List<String> lines = lines("--api-keys-file", apiKeysFile);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (!line.isEmpty() && !line.startsWith("#")) {
                    apiKeys.add(digest(line, "--api-keys-file " + apiKeysFile + " line " + (i + 1)));
                }
            }
            if (apiKeys.isEmpty()) {
                throw new IllegalArgumentException("--api-keys-file " + apiKeysFile + " holds no key");
            }
        }
        for (String key : tokens(environment.get(API_KEYS_ENV))) {
            apiKeys.add(digest(key, "$" + API_KEYS_ENV));
        }
        List<AwsAccessKey> awsKeys = new ArrayList<>();
        if (awsCredentialsFile != null) {
            awsKeys.addAll(awsCredentials(awsCredentialsFile));
            if (awsKeys.isEmpty()) {
                throw new IllegalArgumentException("--aws-credentials-file " + awsCredentialsFile
                        + " holds no access key");
            }
        }
        for (String pair : tokens(environment.get(AWS_ACCESS_KEYS_ENV))) {
            awsKeys.add(accessKey(pair, "$" + AWS_ACCESS_KEYS_ENV));
        }
        return new SecurityConfig(mode, apiKeys, awsKeys, tls());
    }

    private TlsConfig tls() {
        if (tlsCert == null && tlsKey == null && tlsKeyStore == null) {
            if (tlsKeyStorePasswordFile != null) {
                throw new IllegalArgumentException("--tls-keystore-password-file needs --tls-keystore");
            }
            return null;
        }
        String password = null;
        if (tlsKeyStorePasswordFile != null) {
            List<String> lines = lines("--tls-keystore-password-file", tlsKeyStorePasswordFile);
            password = lines.isEmpty() ? "" : lines.get(0).strip();
        }
        return new TlsConfig(tlsCert, tlsKey, tlsKeyStore, password);
    }

    /** The shared credentials file's profiles, or {@code ACCESS_KEY_ID:SECRET} lines. */
    static List<AwsAccessKey> awsCredentials(Path file) {
        List<String> lines = lines("--aws-credentials-file", file);
        boolean ini = lines.stream().anyMatch(l -> l.strip().startsWith("["));
        List<AwsAccessKey> keys = new ArrayList<>();
        if (!ini) {
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (!line.isEmpty() && !line.startsWith("#")) {
                    keys.add(accessKey(line, "--aws-credentials-file " + file + " line " + (i + 1)));
                }
            }
            return keys;
        }
        String profile = null;
        String id = null;
        String secret = null;
        int profileLine = 0;
        for (int i = 0; i <= lines.size(); i++) {
            String line = i < lines.size() ? lines.get(i).strip() : "[";
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[")) {
                if (id != null || secret != null) {
                    String where = "--aws-credentials-file " + file + " profile [" + profile + "] (line "
                            + profileLine + ")";
                    if (id == null || secret == null) {
                        throw new IllegalArgumentException(where + " needs both aws_access_key_id and "
                                + "aws_secret_access_key");
                    }
                    keys.add(accessKey(id, secret, where));
                }
                profile = line.replaceAll("[\\[\\]]", "").strip();
                profileLine = i + 1;
                id = null;
                secret = null;
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("--aws-credentials-file " + file + " line " + (i + 1)
                        + " is neither [profile] nor key = value");
            }
            String key = line.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = line.substring(eq + 1).strip();
            if (key.equals("aws_access_key_id")) {
                id = value;
            } else if (key.equals("aws_secret_access_key")) {
                secret = value;
            }
            // Other settings (region, aws_session_token, ...) say nothing about who may call this server.
        }
        return keys;
    }

    private static AwsAccessKey accessKey(String pair, String where) {
        int colon = pair.indexOf(':');
        if (colon < 1 || colon == pair.length() - 1) {
            throw new IllegalArgumentException(where + ": expected ACCESS_KEY_ID:SECRET");
        }
        return accessKey(pair.substring(0, colon), pair.substring(colon + 1), where);
    }

    private static AwsAccessKey accessKey(String id, String secret, String where) {
        try {
            return new AwsAccessKey(id, secret);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private static String digest(String key, String where) {
        try {
            return SecurityConfig.apiKeyDigest(key);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private static List<String> tokens(String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        return List.of(value.strip().split("[,\\s]+"));
    }

    private static List<String> lines(String option, Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + file + ": cannot read it (" + e.getClass().getSimpleName()
                    + ")", e);
        }
    }
}
