package dev.sluice.core.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Who may call a server, and whether its ports speak TLS. Authentication covers both ports (data plane and admin
 * port) except the health checks ({@code /ping}, {@code /v2/health/*}), which load balancers and SageMaker call
 * unsigned.
 *
 * <p>The rule ({@link AuthMode#AUTO}, the default): a server authenticates when credentials are configured. One
 * that would listen on anything but a loopback address without credentials refuses to start, unless
 * authentication is turned off explicitly ({@link AuthMode#NONE}) — see {@link #checkBind}.
 *
 * <p>API keys are held only as SHA-256 digests, so neither this record nor a heap dump of the server holds them.
 * AWS secret access keys must be held as they are (SigV4 derives its signing key from them); {@link #toString()}
 * never prints them.
 *
 * @param auth          {@link AuthMode#AUTO} or {@link AuthMode#NONE}; null: AUTO
 * @param apiKeySha256  lowercase hex SHA-256 digests of the accepted bearer API keys ({@link #apiKeyDigest})
 * @param awsAccessKeys the access keys whose SigV4 signatures are accepted
 * @param tls           the key pair both ports serve TLS with; null: plain HTTP
 */
public record SecurityConfig(AuthMode auth, List<String> apiKeySha256, List<AwsAccessKey> awsAccessKeys,
                             TlsConfig tls) {
    /** No credentials, no TLS: authentication off on loopback, a refused start anywhere else. */
    public static final SecurityConfig DEFAULT = new SecurityConfig(AuthMode.AUTO, List.of(), List.of(), null);
    /** A guessable key is no key: 16 characters is the least accepted (e.g. {@code openssl rand -hex 32}). */
    public static final int MIN_API_KEY_LENGTH = 16;
    private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-f]{64}");
    /** What an HTTP header can carry as a token (RFC 6750 b64token, and then some): visible ASCII, no spaces. */
    private static final Pattern API_KEY = Pattern.compile("[\\x21-\\x7e]+");
    /** AWS access key ids are upper-case letters and digits (AKIA..., ASIA...); 16-128 characters in IAM. */
    private static final Pattern ACCESS_KEY_ID = Pattern.compile("[A-Za-z0-9]{3,128}");

    public enum AuthMode {
        /** Authenticate when credentials are configured; refuse a non-loopback bind without them. */
        AUTO,
        /** Never authenticate, wherever the server listens (the operator said so). */
        NONE
    }

    public SecurityConfig {
        auth = auth == null ? AuthMode.AUTO : auth;
        apiKeySha256 = apiKeySha256 == null ? List.of() : List.copyOf(apiKeySha256);
        awsAccessKeys = awsAccessKeys == null ? List.of() : List.copyOf(awsAccessKeys);
        for (String digest : apiKeySha256) {
            if (!HEX_SHA256.matcher(digest).matches()) {
                throw new IllegalArgumentException("apiKeySha256 entries must be lowercase hex SHA-256 digests "
                        + "(SecurityConfig.apiKeyDigest), got one of " + digest.length() + " characters");
            }
        }
        Set<String> ids = new HashSet<>();
        for (AwsAccessKey key : awsAccessKeys) {
            if (!ids.add(key.accessKeyId())) {
                throw new IllegalArgumentException("awsAccessKeys: access key id " + key.accessKeyId()
                        + " is given twice");
            }
        }
        if (auth == AuthMode.NONE && (!apiKeySha256.isEmpty() || !awsAccessKeys.isEmpty())) {
            // Silently ignoring configured keys would leave an operator believing the server checks them.
            throw new IllegalArgumentException("auth is none but " + credentialsDescription(apiKeySha256.size(),
                    awsAccessKeys.size()) + " configured; drop the keys or drop --auth none");
        }
    }

    /** The digest under which an API key is configured; refuses keys too short or not sendable in a header. */
    public static String apiKeyDigest(String apiKey) {
        Objects.requireNonNull(apiKey, "apiKey");
        if (apiKey.length() < MIN_API_KEY_LENGTH) {
            throw new IllegalArgumentException("API keys must be at least " + MIN_API_KEY_LENGTH
                    + " characters long (e.g. openssl rand -hex 32), got one of " + apiKey.length());
        }
        if (!API_KEY.matcher(apiKey).matches()) {
            throw new IllegalArgumentException("API keys must be visible ASCII characters without spaces");
        }
        return HexFormat.of().formatHex(sha256(apiKey.getBytes(StandardCharsets.UTF_8)));
    }

    /** SHA-256, which every JVM has (Java SE requires it). */
    public static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    public boolean hasCredentials() {
        return !apiKeySha256.isEmpty() || !awsAccessKeys.isEmpty();
    }

    /** Whether requests (other than health checks) must carry an API key or a SigV4 signature. */
    public boolean authenticates() {
        return auth != AuthMode.NONE && hasCredentials();
    }

    /**
     * Refuses to serve unauthenticated on a non-loopback address, unless authentication is off explicitly.
     *
     * @param field   the config field the address came from, for the message
     * @param address the address a port binds to
     */
    public void checkBind(String field, String address) {
        if (auth == AuthMode.NONE || hasCredentials() || isLoopback(address)) {
            return;
        }
        throw new IllegalArgumentException(field + " " + address + " is not a loopback address and no credentials "
                + "are configured, so anyone who can reach it could use this server. Configure API keys "
                + "(--api-keys-file FILE or SLUICE_API_KEYS) or AWS access keys (--aws-credentials-file FILE or "
                + "SLUICE_AWS_ACCESS_KEYS), bind to 127.0.0.1, or turn authentication off explicitly with "
                + "--auth none");
    }

    /** A literal loopback address, or a name that resolves to one; anything unresolvable is not. */
    public static boolean isLoopback(String address) {
        if (address == null || address.isBlank()) {
            return false;
        }
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException | SecurityException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "SecurityConfig[auth=" + auth + ", apiKeys=" + apiKeySha256.size() + ", awsAccessKeys="
                + awsAccessKeys + ", tls=" + tls + "]";
    }

    private static String credentialsDescription(int apiKeys, int awsKeys) {
        if (apiKeys > 0 && awsKeys > 0) {
            return apiKeys + " API key(s) and " + awsKeys + " AWS access key(s) are";
        }
        return apiKeys > 0 ? apiKeys + " API key(s) are" : awsKeys + " AWS access key(s) are";
    }

    /**
     * One AWS access key: SigV4 signatures made with it are accepted. {@link #toString()} shows the id only.
     */
    public record AwsAccessKey(String accessKeyId, String secretAccessKey) {
        public AwsAccessKey {
            Objects.requireNonNull(accessKeyId, "accessKeyId");
            Objects.requireNonNull(secretAccessKey, "secretAccessKey");
            if (!ACCESS_KEY_ID.matcher(accessKeyId).matches()) {
                throw new IllegalArgumentException("accessKeyId must be 3-128 letters and digits, got '"
                        + accessKeyId + "'");
            }
            if (secretAccessKey.isEmpty() || !API_KEY.matcher(secretAccessKey).matches()) {
                throw new IllegalArgumentException("secretAccessKey of " + accessKeyId
                        + " must be non-empty visible ASCII without spaces");
            }
        }

        @Override
        public String toString() {
            return accessKeyId + ":****";
        }
    }

    /**
     * The key pair both ports serve TLS with: either a PEM certificate chain with its PKCS#8 private key, or a
     * PKCS#12 key store. Files are read when the server starts; a bad file or password stops the start.
     *
     * @param certificateChain PEM, the server certificate first
     * @param privateKey       PEM, unencrypted PKCS#8 ({@code -----BEGIN PRIVATE KEY-----})
     * @param keyStore         PKCS#12 ({@code .p12}/{@code .pfx}) holding one key entry
     * @param keyStorePassword the key store's password (null: none); never printed
     */
    public record TlsConfig(Path certificateChain, Path privateKey, Path keyStore, String keyStorePassword) {
        public TlsConfig {
            boolean pem = certificateChain != null || privateKey != null;
            if (pem && keyStore != null) {
                throw new IllegalArgumentException("tls: give a PEM certificate and key (--tls-cert, --tls-key) or "
                        + "a PKCS#12 key store (--tls-keystore), not both");
            }
            if (pem && (certificateChain == null || privateKey == null)) {
                throw new IllegalArgumentException("tls: a PEM key pair needs both the certificate chain (--tls-cert)"
                        + " and the private key (--tls-key)");
            }
            if (!pem && keyStore == null) {
                throw new IllegalArgumentException("tls: give a PEM certificate and key (--tls-cert, --tls-key) or a "
                        + "PKCS#12 key store (--tls-keystore)");
            }
            if (keyStorePassword != null && keyStore == null) {
                throw new IllegalArgumentException("tls: a key store password was given without a key store");
            }
            for (Path file : pem ? List.of(certificateChain, privateKey) : List.of(keyStore)) {
                if (!Files.isRegularFile(file)) {
                    throw new IllegalArgumentException("tls: " + file.toAbsolutePath() + " does not exist");
                }
            }
        }

        public static TlsConfig pem(Path certificateChain, Path privateKey) {
            return new TlsConfig(certificateChain, privateKey, null, null);
        }

        public static TlsConfig pkcs12(Path keyStore, String password) {
            return new TlsConfig(null, null, keyStore, password);
        }

        @Override
        public String toString() {
            return keyStore != null ? "TlsConfig[keyStore=" + keyStore + ", keyStorePassword="
                    + (keyStorePassword == null ? "none" : "****") + "]"
                    : "TlsConfig[certificateChain=" + certificateChain + ", privateKey=" + privateKey + "]";
        }
    }
}
