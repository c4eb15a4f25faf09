package dev.sluice.gateway.internal;

import dev.sluice.core.config.SecurityConfig.TlsConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;

/**
 * The server's TLS key pair, read once at start into a {@link KeyManagerFactory} that both ports use: Netty's
 * {@link SslContext} on the data plane, Vert.x's {@code KeyCertOptions.wrap} on the admin port. One reader for both
 * formats means one set of error messages, each naming the file and what to do: a wrong key store password, a PKCS#1
 * or encrypted PEM key, a key that does not belong to the certificate — all stop the start, before a port is bound.
 */
public final class TlsKeys {
    /** Protects the key only inside this process's in-memory key store. */
    private static final char[] IN_MEMORY_PASSWORD = "sluice-in-memory".toCharArray();

    private final KeyManagerFactory keyManagers;
    private final X509Certificate certificate;

    private TlsKeys(KeyManagerFactory keyManagers, X509Certificate certificate) {
        this.keyManagers = keyManagers;
        this.certificate = certificate;
    }

    /** @throws IllegalArgumentException naming the file, for anything that keeps the key pair from being used */
    public static TlsKeys load(TlsConfig config) {
        try {
            return config.keyStore() != null ? fromKeyStore(config.keyStore(), config.keyStorePassword())
                    : fromPem(config.certificateChain(), config.privateKey());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("tls: cannot use the key pair: " + e.getMessage(), e);
        }
    }

    public KeyManagerFactory keyManagers() {
        return keyManagers;
    }

    /** The server certificate (the first of the chain). */
    public X509Certificate certificate() {
        return certificate;
    }

    /** The data plane's server context (the JDK's TLS or OpenSSL, whichever Netty finds). */
    public SslContext nettyServerContext() {
        try {
            return SslContextBuilder.forServer(keyManagers).build();
        } catch (SSLException e) {
            throw new IllegalArgumentException("tls: cannot build the server's TLS context: " + e.getMessage(), e);
        }
    }

    private static TlsKeys fromKeyStore(Path file, String password) throws GeneralSecurityException {
        char[] secret = password == null ? new char[0] : password.toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, secret);
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new IllegalArgumentException("tls: key store " + file.toAbsolutePath() + ": wrong password "
                        + "(--tls-keystore-password-file)", e);
            }
            throw new IllegalArgumentException("tls: key store " + file.toAbsolutePath() + " is not a readable "
                    + "PKCS#12 file: " + e.getMessage(), e);
        }
        String alias = null;
        for (String a : Collections.list(store.aliases())) {
            if (store.isKeyEntry(a)) {
                if (alias != null) {
                    throw new IllegalArgumentException("tls: key store " + file.toAbsolutePath() + " holds several "
                            + "keys (" + alias + ", " + a + "); give it one");
                }
                alias = a;
            }
        }
        if (alias == null) {
            throw new IllegalArgumentException("tls: key store " + file.toAbsolutePath() + " holds no private key");
        }
        Certificate first = store.getCertificate(alias);
        if (!(first instanceof X509Certificate x509)) {
            throw new IllegalArgumentException("tls: key store " + file.toAbsolutePath() + ": the key's certificate "
                    + "is not X.509");
        }
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        try {
            factory.init(store, secret);
        } catch (UnrecoverableKeyException e) {
            throw new IllegalArgumentException("tls: key store " + file.toAbsolutePath() + ": the key's password "
                    + "differs from the store's; give both the same password", e);
        }
        return new TlsKeys(factory, x509);
    }

    private static TlsKeys fromPem(Path certFile, Path keyFile) throws GeneralSecurityException {
        List<X509Certificate> chain = new ArrayList<>();
        try (InputStream in = Files.newInputStream(certFile)) {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                chain.add((X509Certificate) c);
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("tls: " + certFile.toAbsolutePath() + " is not a PEM certificate "
                    + "chain: " + e.getMessage(), e);
        }
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("tls: " + certFile.toAbsolutePath() + " holds no certificate");
        }
        PrivateKey key = readPkcs8(keyFile);
        requireMatch(key, chain.get(0), certFile, keyFile);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        store.setKeyEntry("sluice", key, IN_MEMORY_PASSWORD, chain.toArray(Certificate[]::new));
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, IN_MEMORY_PASSWORD);
        return new TlsKeys(factory, chain.get(0));
    }

    private static PrivateKey readPkcs8(Path file) {
        String pem;
        try {
            pem = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("tls: cannot read private key " + file.toAbsolutePath() + ": " + e, e);
        }
        if (pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
            throw new IllegalArgumentException("tls: private key " + file.toAbsolutePath() + " is encrypted; give an "
                    + "unencrypted PKCS#8 key (openssl pkcs8 -topk8 -nocrypt) readable only by this user, or a "
                    + "PKCS#12 key store with --tls-keystore and --tls-keystore-password-file");
        }
        if (pem.contains("-----BEGIN RSA PRIVATE KEY-----") || pem.contains("-----BEGIN EC PRIVATE KEY-----")) {
            throw new IllegalArgumentException("tls: private key " + file.toAbsolutePath() + " is PKCS#1/SEC1; "
                    + "convert it to PKCS#8: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8.pem");
        }
        int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("tls: " + file.toAbsolutePath() + " holds no PEM private key "
                    + "(-----BEGIN PRIVATE KEY-----)");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(pem.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tls: private key " + file.toAbsolutePath() + " is not valid base64");
        }
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // Not this algorithm; the next one.
            }
        }
        throw new IllegalArgumentException("tls: private key " + file.toAbsolutePath() + " is not an RSA, EC or "
                + "EdDSA PKCS#8 key");
    }

    /** A key that does not belong to the certificate would fail every handshake; say so at start instead. */
    private static void requireMatch(PrivateKey key, X509Certificate cert, Path certFile, Path keyFile) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm(); // Ed25519, Ed448
        };
        boolean matches;
        try {
            byte[] probe = "sluice key pair check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false;
        }
        if (!matches) {
            throw new IllegalArgumentException("tls: private key " + keyFile.toAbsolutePath() + " does not belong to "
                    + "the certificate in " + certFile.toAbsolutePath() + " (" + cert.getSubjectX500Principal() + ")");
        }
    }
}
