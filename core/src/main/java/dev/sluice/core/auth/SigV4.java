package dev.sluice.core.auth;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.config.SecurityConfig;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 ({@code AWS4-HMAC-SHA256}), as the AWS SDKs sign a request to a JSON or REST-JSON service
 * such as SageMaker: the canonical request, the string to sign and the signing key. Pure functions, shared by the
 * server's check (the gateway's {@code Authenticator}) and by clients that sign ({@code sluice transform}, tests).
 *
 * <p>Two rules worth knowing. The canonical URI of every service but S3 is the path as sent on the wire, with
 * dot segments removed, URI-encoded once more (so {@code a%20b} is signed as {@code a%2520b}); the SDKs call it
 * double encoding. And the payload hash is always the SHA-256 of the body received: a client that signed
 * {@code UNSIGNED-PAYLOAD} is refused, because the body of an invocation is the thing worth protecting.
 */
public final class SigV4 {
    public static final String ALGORITHM = "AWS4-HMAC-SHA256";
    public static final String DATE_HEADER = "x-amz-date";
    private static final String TERMINATOR = "aws4_request";
    private static final HexFormat HEX = HexFormat.of();
    private static final Set<String> UNSIGNED_HEADERS = Set.of("connection", "user-agent", "expect",
            "transfer-encoding");

    private SigV4() {
    }

    /**
     * The parts of an {@code Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...}
     * header.
     */
    public record Authorization(String accessKeyId, String date, String region, String service,
                                List<String> signedHeaders, String signature) {
        public String scope() {
            return date + "/" + region + "/" + service + "/" + TERMINATOR;
        }

        /**
         * @throws SluiceException {@link ErrorCode#INCOMPLETE_SIGNATURE} for a header that is not a whole SigV4
         *                         authorization (the message never repeats the header: it may be a secret)
         */
        public static Authorization parse(String header) {
            if (!header.startsWith(ALGORITHM + " ")) {
                throw incomplete("Authorization header must start with " + ALGORITHM);
            }
            String credential = null;
            String signedHeaders = null;
            String signature = null;
            for (String part : header.substring(ALGORITHM.length() + 1).split(",")) {
                String p = part.trim();
                int eq = p.indexOf('=');
                if (eq < 0) {
                    throw incomplete("Authorization header parts must be key=value");
                }
                String value = p.substring(eq + 1);
                switch (p.substring(0, eq)) {
                    case "Credential" -> credential = value;
                    case "SignedHeaders" -> signedHeaders = value;
                    case "Signature" -> signature = value;
                    default -> throw incomplete("Authorization header has an unknown part '"
                            + p.substring(0, eq) + "'");
                }
            }
            if (credential == null) {
                throw incomplete("Authorization header requires 'Credential' parameter.");
            }
            if (signedHeaders == null) {
                throw incomplete("Authorization header requires 'SignedHeaders' parameter.");
            }
            if (signature == null) {
                throw incomplete("Authorization header requires 'Signature' parameter.");
            }
            String[] scope = credential.split("/", -1);
            if (scope.length != 5 || !scope[4].equals(TERMINATOR) || scope[0].isEmpty() || scope[2].isEmpty()
                    || scope[3].isEmpty() || !scope[1].matches("\\d{8}")) {
                throw incomplete("Credential must have the form ACCESS_KEY_ID/YYYYMMDD/REGION/SERVICE/aws4_request");
            }
            if (!signature.matches("[0-9a-f]{64}")) {
                throw incomplete("Signature must be 64 lowercase hexadecimal digits");
            }
            List<String> names = List.of(signedHeaders.split(";"));
            for (String name : names) {
                if (name.isEmpty() || !name.equals(name.toLowerCase(Locale.ROOT))) {
                    throw incomplete("SignedHeaders must be lowercase header names separated by ';'");
                }
            }
            return new Authorization(scope[0], scope[1], scope[2], scope[3], names, signature);
        }
    }

    /**
     * The canonical request.
     *
     * @param rawPath     the path exactly as received (still percent-encoded)
     * @param rawQuery    the query exactly as received, without {@code ?}; null or empty for none
     * @param headers     all values of a header, by lowercase name (empty when absent)
     * @param payloadHash lowercase hex SHA-256 of the body
     */
    public static String canonicalRequest(String method, String rawPath, String rawQuery, List<String> signedHeaders,
                                          Function<String, List<String>> headers, String payloadHash) {
        StringBuilder out = new StringBuilder(256);
        out.append(method).append('\n');
        out.append(canonicalUri(rawPath)).append('\n');
        out.append(canonicalQuery(rawQuery)).append('\n');
        for (String name : signedHeaders) {
            out.append(name).append(':');
            List<String> values = headers.apply(name);
            for (int i = 0; i < values.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(values.get(i).strip().replaceAll("\\s+", " "));
            }
            out.append('\n');
        }
        out.append('\n').append(String.join(";", signedHeaders)).append('\n');
        out.append(payloadHash);
        return out.toString();
    }

    /** The wire path, normalised and encoded once more (every service but S3). */
    public static String canonicalUri(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        String path = rawPath;
        try {
            path = URI.create("http://h" + (rawPath.startsWith("/") ? "" : "/") + rawPath).normalize().getRawPath();
        } catch (IllegalArgumentException e) {
            // Not a valid URI path: sign it as it is; the client's signer saw the same bytes.
        }
        String encoded = encode(path, true);
        return encoded.startsWith("/") ? encoded : "/" + encoded;
    }

    /** Parameters decoded, encoded the AWS way and sorted by name, then value. */
    public static String canonicalQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        List<String[]> params = new ArrayList<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            params.add(new String[] {encode(decode(name), false), encode(decode(value), false)});
        }
        params.sort(Comparator.<String[], String>comparing(p -> p[0]).thenComparing(p -> p[1]));
        StringBuilder out = new StringBuilder();
        for (String[] p : params) {
            if (!out.isEmpty()) {
                out.append('&');
            }
            out.append(p[0]).append('=').append(p[1]);
        }
        return out.toString();
    }

    public static String stringToSign(String amzDate, String scope, String canonicalRequest) {
        return ALGORITHM + '\n' + amzDate + '\n' + scope + '\n' + sha256Hex(canonicalRequest.getBytes(
                StandardCharsets.UTF_8));
    }

    /** {@code kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")}. */
    public static byte[] signingKey(String secret, String date, String region, String service) {
        byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
        key = hmac(key, region);
        key = hmac(key, service);
        return hmac(key, TERMINATOR);
    }

    /** Lowercase hex signature of {@code stringToSign}. */
    public static String signature(byte[] signingKey, String stringToSign) {
        return HEX.formatHex(hmac(signingKey, stringToSign));
    }

    /**
     * The headers that sign a request as the AWS SDKs do: {@code X-Amz-Date}, {@code Authorization} and, for
     * temporary credentials, {@code X-Amz-Security-Token}. Every given header is signed except the hop-by-hop ones
     * an HTTP client may change ({@code connection}, {@code user-agent}, {@code expect}, {@code transfer-encoding}).
     *
     * @param sessionToken null for long-term keys
     * @param hostHeader   the {@code Host} header the client sends
     * @param pathAndQuery the request target the client sends (percent-encoded)
     * @param headers      the other headers sent, by lowercase name
     */
    public static Map<String, String> signingHeaders(String accessKeyId, String secret, String sessionToken,
                                                     String region, String service, Instant now, String method,
                                                     String hostHeader, String pathAndQuery,
                                                     Map<String, String> headers, byte[] body) {
        String amzDate = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC)
                .format(now);
        String date = amzDate.substring(0, 8);
        Map<String, String> signed = new TreeMap<>();
        headers.forEach((name, value) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!UNSIGNED_HEADERS.contains(lower)) {
                signed.put(lower, value);
            }
        });
        signed.put("host", hostHeader);
        signed.put(DATE_HEADER, amzDate);
        if (sessionToken != null) {
            signed.put("x-amz-security-token", sessionToken);
        }
        int q = pathAndQuery.indexOf('?');
        List<String> names = List.copyOf(signed.keySet());
        String canonical = canonicalRequest(method, q < 0 ? pathAndQuery : pathAndQuery.substring(0, q),
                q < 0 ? null : pathAndQuery.substring(q + 1), names, n -> signed.containsKey(n)
                        ? List.of(signed.get(n)) : List.of(), sha256Hex(body));
        String scope = date + "/" + region + "/" + service + "/" + TERMINATOR;
        String signature = signature(signingKey(secret, date, region, service), stringToSign(amzDate, scope,
                canonical));
        Map<String, String> out = new LinkedHashMap<>();
        out.put("X-Amz-Date", amzDate);
        if (sessionToken != null) {
            out.put("X-Amz-Security-Token", sessionToken);
        }
        out.put("Authorization", ALGORITHM + " Credential=" + accessKeyId + "/" + scope + ", SignedHeaders="
                + String.join(";", names) + ", Signature=" + signature);
        return out;
    }

    public static String sha256Hex(byte[] bytes) {
        return HEX.formatHex(SecurityConfig.sha256(bytes));
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    /** RFC 3986 unreserved characters stay; every other byte of the UTF-8 form becomes %XX (upper case). */
    public static String encode(String s, boolean keepSlash) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(bytes.length + 16);
        for (byte b : bytes) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || c == '.' || c == '~' || (keepSlash && c == '/')) {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /** Percent-decoding only ({@code +} stays a plus: the SDKs encode a space as {@code %20}). */
    public static String decode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length() && Character.digit(s.charAt(i + 1), 16) >= 0
                    && Character.digit(s.charAt(i + 2), 16) >= 0) {
                out.write(Character.digit(s.charAt(i + 1), 16) << 4 | Character.digit(s.charAt(i + 2), 16));
                i += 2;
            } else {
                int end = s.indexOf('%', i + 1);
                end = end < 0 ? s.length() : end;
                byte[] b = s.substring(i, end).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
                i = end - 1;
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static SluiceException incomplete(String message) {
        return new SluiceException(ErrorCode.INCOMPLETE_SIGNATURE, message);
    }
}
