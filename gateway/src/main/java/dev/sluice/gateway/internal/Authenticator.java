package dev.sluice.gateway.internal;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.auth.SigV4;
import dev.sluice.core.SluiceException;
import dev.sluice.core.config.SecurityConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Checks a request's credentials: an API key ({@code Authorization: Bearer KEY}) or an AWS SigV4 signature
 * ({@code Authorization: AWS4-HMAC-SHA256 ...}) made with a configured access key, as the AWS SDKs and CLI send to
 * SageMaker. Protocol-neutral: the data plane (Netty, {@link AuthenticationHandler}) and the admin port (Vert.x) adapt
 * their requests to {@link Request}. Cheap enough for an event loop: a few HMACs, plus one SHA-256 pass over the
 * body for a signature, computed only once the header checks have passed.
 *
 * <p>Failures are {@link SluiceException}s with AWS's codes and messages, all 403: no {@code Authorization}
 * header is {@code MissingAuthenticationTokenException}; an unknown API key or access key id is
 * {@code UnrecognizedClientException}; a wrong signature, or one whose {@code X-Amz-Date} is more than
 * {@link #MAX_CLOCK_SKEW} from this server's clock, is {@code InvalidSignatureException}; a malformed header is
 * {@code IncompleteSignatureException}. No message repeats a credential.
 *
 * <p>Secrets are compared in constant time: an API key as its SHA-256 digest against every configured digest
 * ({@link MessageDigest#isEqual}, no early exit), a signature against the one computed here.
 */
public final class Authenticator {
    /** AWS's limit: a signature is valid within 15 minutes either side of the server's clock. */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(15);
    /** The SageMaker runtime's SigV4 signing name (SAGEMAKER-CONTRACT.md §2). */
    public static final Set<String> DATA_PLANE_SERVICES = Set.of("sagemaker");
    /** The admin port carries SageMaker's control plane and Application Auto Scaling, each signed as itself. */
    public static final Set<String> ADMIN_SERVICES = Set.of("sagemaker", "application-autoscaling");
    static final String INVALID_TOKEN = "The security token included in the request is invalid.";
    static final String SIGNATURE_MISMATCH = "The request signature we calculated does not match the signature you "
            + "provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for "
            + "details.";
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final String BEARER = "bearer ";

    private final List<byte[]> apiKeyDigests;
    private final Map<String, String> secretsById;
    private final Set<String> services;
    private final Clock clock;

    /** What the check reads of a request. */
    public interface Request {
        String method();

        /** The path as received, still percent-encoded. */
        String rawPath();

        /** The query as received, without {@code ?}; null or empty when there is none. */
        String rawQuery();

        /** Every value of the header, by lowercase name; empty when absent. */
        List<String> headers(String lowercaseName);

        /** Lowercase hex SHA-256 of the whole body; asked only for a signed request that passed the header checks. */
        String payloadSha256Hex();
    }

    /**
     * @param services the SigV4 signing names accepted here ({@link #DATA_PLANE_SERVICES}, {@link #ADMIN_SERVICES})
     * @param clock    the server's clock, for {@code X-Amz-Date}
     */
    public Authenticator(SecurityConfig config, Set<String> services, Clock clock) {
        Objects.requireNonNull(config, "config");
        this.apiKeyDigests = config.apiKeySha256().stream().map(HexFormat.of()::parseHex).toList();
        Map<String, String> secrets = new LinkedHashMap<>();
        config.awsAccessKeys().forEach(k -> secrets.put(k.accessKeyId(), k.secretAccessKey()));
        this.secretsById = Map.copyOf(secrets);
        this.services = Set.copyOf(services);
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * @return who the caller is, for the operator: {@code api-key} or the access key id
     * @throws SluiceException (403) when the request does not carry valid credentials
     */
    public String authenticate(Request request) {
        List<String> authorization = request.headers("authorization");
        if (authorization.isEmpty()) {
            throw new SluiceException(ErrorCode.MISSING_AUTHENTICATION_TOKEN, "Missing Authentication Token");
        }
        if (authorization.size() > 1) {
            throw new SluiceException(ErrorCode.INCOMPLETE_SIGNATURE, "a request carries one Authorization header, "
                    + "this one has " + authorization.size());
        }
        String header = authorization.get(0).strip();
        if (header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return checkApiKey(header.substring(BEARER.length()).strip());
        }
        if (header.startsWith(SigV4.ALGORITHM + " ")) {
            return checkSignature(request, SigV4.Authorization.parse(header));
        }
        throw new SluiceException(ErrorCode.INCOMPLETE_SIGNATURE, "the Authorization header must be 'Bearer API_KEY' "
                + "or an AWS Signature Version 4 (" + SigV4.ALGORITHM + ")");
    }

    private String checkApiKey(String key) {
        byte[] presented = SecurityConfig.sha256(key.getBytes(StandardCharsets.UTF_8));
        boolean match = false;
        // Every digest is compared, so the time taken says nothing about which key came close.
        for (byte[] digest : apiKeyDigests) {
            match |= MessageDigest.isEqual(digest, presented);
        }
        if (!match) {
            throw new SluiceException(ErrorCode.UNRECOGNIZED_CLIENT, INVALID_TOKEN);
        }
        return "api-key";
    }

    private String checkSignature(Request request, SigV4.Authorization auth) {
        if (!services.contains(auth.service())) {
            throw new SluiceException(ErrorCode.INVALID_SIGNATURE, "Credential should be scoped to correct service: '"
                    + String.join("' or '", services.stream().sorted().toList()) + "'.");
        }
        String secret = secretsById.get(auth.accessKeyId());
        if (secret == null) {
            throw new SluiceException(ErrorCode.UNRECOGNIZED_CLIENT, INVALID_TOKEN);
        }
        if (!auth.signedHeaders().contains("host")) {
            throw new SluiceException(ErrorCode.INCOMPLETE_SIGNATURE,
                    "'Host' must be a 'SignedHeader' in the AWS Authorization.");
        }
        List<String> dates = request.headers(SigV4.DATE_HEADER);
        if (dates.size() != 1 || !auth.signedHeaders().contains(SigV4.DATE_HEADER)) {
            throw new SluiceException(ErrorCode.INCOMPLETE_SIGNATURE, "a signed request needs one X-Amz-Date header, "
                    + "and it must be a 'SignedHeader' in the AWS Authorization.");
        }
        String amzDate = dates.get(0).strip();
        Instant signedAt;
        try {
            signedAt = LocalDateTime.parse(amzDate, AMZ_DATE).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new SluiceException(ErrorCode.INCOMPLETE_SIGNATURE, "X-Amz-Date must be in the ISO-8601 basic "
                    + "format YYYYMMDD'T'HHMMSS'Z', got '" + amzDate + "'");
        }
        if (!amzDate.startsWith(auth.date())) {
            throw new SluiceException(ErrorCode.INVALID_SIGNATURE, "Date in Credential scope does not match "
                    + "YYYYMMDD from ISO-8601 version of date from HTTP: '" + auth.date() + "' != '"
                    + amzDate.substring(0, Math.min(8, amzDate.length())) + "', from 'x-amz-date'.");
        }
        Instant now = clock.instant();
        if (signedAt.isBefore(now.minus(MAX_CLOCK_SKEW))) {
            throw new SluiceException(ErrorCode.INVALID_SIGNATURE, "Signature expired: " + amzDate
                    + " is now earlier than " + AMZ_DATE.format(now.minus(MAX_CLOCK_SKEW)) + " ("
                    + AMZ_DATE.format(now) + " - 15 min.)");
        }
        if (signedAt.isAfter(now.plus(MAX_CLOCK_SKEW))) {
            throw new SluiceException(ErrorCode.INVALID_SIGNATURE, "Signature not yet current: " + amzDate
                    + " is still later than " + AMZ_DATE.format(now.plus(MAX_CLOCK_SKEW)) + " ("
                    + AMZ_DATE.format(now) + " + 15 min.)");
        }
        String payloadHash = request.payloadSha256Hex();
        List<String> declared = request.headers("x-amz-content-sha256");
        if (!declared.isEmpty() && !declared.get(0).strip().equals(payloadHash)) {
            throw new SluiceException(ErrorCode.INVALID_SIGNATURE, declared.get(0).strip().startsWith("UNSIGNED")
                    || declared.get(0).strip().startsWith("STREAMING")
                    ? "this server accepts only signed payloads: sign the SHA-256 of the body, not "
                    + declared.get(0).strip()
                    : "The provided 'x-amz-content-sha256' header does not match what was computed.");
        }
        String canonical = SigV4.canonicalRequest(request.method(), request.rawPath(), request.rawQuery(),
                auth.signedHeaders(), request::headers, payloadHash);
        String expected = SigV4.signature(SigV4.signingKey(secret, auth.date(), auth.region(), auth.service()),
                SigV4.stringToSign(amzDate, auth.scope(), canonical));
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                auth.signature().getBytes(StandardCharsets.US_ASCII))) {
            throw new SluiceException(ErrorCode.INVALID_SIGNATURE, SIGNATURE_MISMATCH);
        }
        return auth.accessKeyId();
    }
}
