package dev.sluice.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.auth.SigV4;
import dev.sluice.core.SluiceException;
import dev.sluice.core.config.SecurityConfig;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * The server's SigV4 check against the AWS SDK's own signer: whatever the SDK signs (odd paths, query strings, header
 * whitespace, several values) is accepted, and a change to any signed part is refused. Plus the worked example of
 * AWS's SigV4 documentation.
 */
class SigV4Test {
    static final String ID = "AKIDEXAMPLE0000001";
    static final String SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    static final Instant NOW = Instant.parse("2025-03-04T05:06:07Z");
    static final Authenticator AUTHENTICATOR = new Authenticator(new SecurityConfig(null, List.of(),
            List.of(new SecurityConfig.AwsAccessKey(ID, SECRET)), null), Set.of("sagemaker"),
            Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void awsDocumentationExample() {
        // docs.aws.amazon.com, "Create a signed AWS API request": IAM ListUsers, 2015-08-30.
        assertThat(HexFormat.of().formatHex(SigV4.signingKey(SECRET, "20150830", "us-east-1", "iam")))
                .isEqualTo("c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
        Map<String, List<String>> headers = Map.of(
                "content-type", List.of("application/x-www-form-urlencoded; charset=utf-8"),
                "host", List.of("iam.amazonaws.com"), "x-amz-date", List.of("20150830T123600Z"));
        String canonical = SigV4.canonicalRequest("GET", "/", "Action=ListUsers&Version=2010-05-08",
                List.of("content-type", "host", "x-amz-date"), n -> headers.getOrDefault(n, List.of()),
                SigV4.sha256Hex(new byte[0]));
        assertThat(SigV4.sha256Hex(canonical.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
        String signature = SigV4.signature(SigV4.signingKey(SECRET, "20150830", "us-east-1", "iam"),
                SigV4.stringToSign("20150830T123600Z", "20150830/us-east-1/iam/aws4_request", canonical));
        assertThat(signature).isEqualTo("5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
    }

    @Property(tries = 200)
    void whatTheSdkSignsIsAcceptedAndAnyChangeIsRefused(@ForAll("requests") Sample sample) {
        SignedRequest signed = sdkSign(sample);
        assertThat(AUTHENTICATOR.authenticate(view(signed, sample.body()))).isEqualTo(ID);

        byte[] otherBody = (new String(sample.body(), StandardCharsets.UTF_8) + "!").getBytes(StandardCharsets.UTF_8);
        assertRefused(view(signed, otherBody), ErrorCode.INVALID_SIGNATURE);
        SdkHttpRequest otherPath = signed.request().toBuilder().encodedPath(signed.request().encodedPath() + "x").build();
        assertRefused(view(otherPath, sample.body()), ErrorCode.INVALID_SIGNATURE);
        SdkHttpRequest otherHeader = signed.request().toBuilder().putHeader("Content-Type", "text/other").build();
        assertRefused(view(otherHeader, sample.body()), ErrorCode.INVALID_SIGNATURE);
        SdkHttpRequest otherQuery = signed.request().toBuilder().appendRawQueryParameter("extra", "1").build();
        assertRefused(view(otherQuery, sample.body()), ErrorCode.INVALID_SIGNATURE);
    }

    @Test
    void anUnknownKeyAWrongSecretAndAnOldSignatureAreTellApart() {
        Sample sample = new Sample("/endpoints/my-endpoint/invocations", List.of(), "text/csv", "1,2,3".getBytes(
                StandardCharsets.UTF_8));
        SignedRequest signed = sdkSign(sample);
        Authenticator otherSecret = new Authenticator(new SecurityConfig(null, List.of(),
                List.of(new SecurityConfig.AwsAccessKey(ID, SECRET + "x")), null), Set.of("sagemaker"),
                Clock.fixed(NOW, ZoneOffset.UTC));
        assertThatThrownBy(() -> otherSecret.authenticate(view(signed, sample.body())))
                .isInstanceOfSatisfying(SluiceException.class, e -> assertThat(e.code())
                        .isEqualTo(ErrorCode.INVALID_SIGNATURE));
        Authenticator otherKey = new Authenticator(new SecurityConfig(null, List.of(),
                List.of(new SecurityConfig.AwsAccessKey("AKIDOTHER000000001", SECRET)), null), Set.of("sagemaker"),
                Clock.fixed(NOW, ZoneOffset.UTC));
        assertThatThrownBy(() -> otherKey.authenticate(view(signed, sample.body())))
                .isInstanceOfSatisfying(SluiceException.class, e -> assertThat(e.code())
                        .isEqualTo(ErrorCode.UNRECOGNIZED_CLIENT));
        Authenticator later = new Authenticator(new SecurityConfig(null, List.of(),
                List.of(new SecurityConfig.AwsAccessKey(ID, SECRET)), null), Set.of("sagemaker"),
                Clock.fixed(NOW.plusSeconds(15 * 60 + 1), ZoneOffset.UTC));
        assertThatThrownBy(() -> later.authenticate(view(signed, sample.body())))
                .isInstanceOfSatisfying(SluiceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SIGNATURE);
                    assertThat(e.getMessage()).isEqualTo("Signature expired: 20250304T050607Z is now earlier than "
                            + "20250304T050608Z (20250304T052108Z - 15 min.)");
                });
        Authenticator justInTime = new Authenticator(new SecurityConfig(null, List.of(),
                List.of(new SecurityConfig.AwsAccessKey(ID, SECRET)), null), Set.of("sagemaker"),
                Clock.fixed(NOW.plusSeconds(15 * 60), ZoneOffset.UTC));
        assertThat(justInTime.authenticate(view(signed, sample.body()))).isEqualTo(ID);
    }

    @Test
    void unsignedPayloadsAndMalformedHeadersAreRefusedWithoutEchoingThem() {
        Sample sample = new Sample("/invocations", List.of(), "text/csv", "1".getBytes(StandardCharsets.UTF_8));
        SignedRequest signed = sdkSign(sample);
        SdkHttpRequest unsigned = signed.request().toBuilder().putHeader("x-amz-content-sha256", "UNSIGNED-PAYLOAD")
                .build();
        assertThatThrownBy(() -> AUTHENTICATOR.authenticate(view(unsigned, sample.body())))
                .hasMessageContaining("accepts only signed payloads");
        String secretLooking = "AWS4-HMAC-SHA256 Credential=" + ID + "/2025/us-east-1/sagemaker/aws4_request, "
                + "SignedHeaders=host, Signature=not-hex-SECRETVALUE";
        SdkHttpRequest malformed = signed.request().toBuilder().putHeader("Authorization", secretLooking).build();
        assertThatThrownBy(() -> AUTHENTICATOR.authenticate(view(malformed, sample.body())))
                .isInstanceOfSatisfying(SluiceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INCOMPLETE_SIGNATURE);
                    assertThat(e.getMessage()).doesNotContain("SECRETVALUE");
                });
    }

    @Test
    void theClientSideSignerOfSluiceIsAcceptedLikeTheSdks() {
        Map<String, String> headers = Map.of("content-type", "text/csv", "content-length", "5");
        byte[] body = "1,2,3".getBytes(StandardCharsets.UTF_8);
        Map<String, String> added = SigV4.signingHeaders(ID, SECRET, null, "us-east-1", "sagemaker", NOW, "POST",
                "127.0.0.1:8080", "/endpoints/a%20b/invocations?x=1", headers, body);
        Map<String, String> all = new java.util.HashMap<>(headers);
        all.put("host", "127.0.0.1:8080");
        added.forEach((k, v) -> all.put(k.toLowerCase(Locale.ROOT), v));
        Authenticator.Request request = new Authenticator.Request() {
            public String method() {
                return "POST";
            }

            public String rawPath() {
                return "/endpoints/a%20b/invocations";
            }

            public String rawQuery() {
                return "x=1";
            }

            public List<String> headers(String name) {
                return all.containsKey(name) ? List.of(all.get(name)) : List.of();
            }

            public String payloadSha256Hex() {
                return SigV4.sha256Hex(body);
            }
        };
        assertThat(AUTHENTICATOR.authenticate(request)).isEqualTo(ID);
        assertThat(added.get("Authorization")).contains("SignedHeaders=content-length;content-type;host;x-amz-date,");
    }

    @Test
    void theCanonicalUriIsTheWirePathEncodedOnceMore() {
        assertThat(SigV4.canonicalUri("/endpoints/a%20b/invocations")).isEqualTo("/endpoints/a%2520b/invocations");
        assertThat(SigV4.canonicalUri("/a/./b/../c")).isEqualTo("/a/c");
        assertThat(SigV4.canonicalUri("")).isEqualTo("/");
        assertThat(SigV4.canonicalQuery("b=2&a=%7E1&a=0&c")).isEqualTo("a=0&a=~1&b=2&c=");
    }

    record Sample(String path, List<String[]> query, String contentType, byte[] body) {
    }

    @Provide
    Arbitrary<Sample> requests() {
        Arbitrary<String> segment = Arbitraries.strings().withChars("abcXYZ019-_.~ :@+%!$&'()*,;=é中")
                .ofMinLength(1).ofMaxLength(12).filter(s -> !s.equals(".") && !s.equals(".."));
        Arbitrary<String> path = segment.list().ofMinSize(1).ofMaxSize(4).map(l -> "/" + String.join("/", l));
        Arbitrary<String[]> param = Combinators.combine(Arbitraries.strings().withChars("abcAB_-. =&+/é")
                        .ofMinLength(1).ofMaxLength(6),
                Arbitraries.strings().withChars("xyz09 =&+/%é").ofMaxLength(6)).as((k, v) -> new String[] {k, v});
        Arbitrary<String> contentType = Arbitraries.of("text/csv", "application/json", "  text/plain;  charset=utf-8 ",
                "application/x-amz-json-1.1");
        Arbitrary<byte[]> body = Arbitraries.strings().ofMaxLength(200).map(s -> s.getBytes(StandardCharsets.UTF_8));
        return Combinators.combine(path, param.list().ofMaxSize(3), contentType, body).as(Sample::new);
    }

    static SignedRequest sdkSign(Sample sample) {
        SdkHttpRequest.Builder builder = SdkHttpRequest.builder().method(SdkHttpMethod.POST)
                .uri(URI.create("http://127.0.0.1:8080")).encodedPath(encodePath(sample.path()))
                .putHeader("Content-Type", sample.contentType())
                .appendHeader("X-Amzn-SageMaker-Custom-Attributes", "a=1")
                .appendHeader("X-Amzn-SageMaker-Custom-Attributes", " b =  2 ");
        for (String[] p : sample.query()) {
            builder.appendRawQueryParameter(p[0], p[1]);
        }
        return AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create(ID, SECRET))
                .request(builder.build()).payload(ContentStreamProvider.fromByteArray(sample.body()))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "sagemaker")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "eu-west-1")
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(NOW, ZoneOffset.UTC)));
    }

    /** What an HTTP client puts on the wire for a path: each segment percent-encoded once. */
    static String encodePath(String path) {
        List<String> segments = new ArrayList<>();
        for (String s : path.split("/", -1)) {
            segments.add(SigV4.encode(s, false));
        }
        return String.join("/", segments);
    }

    static Authenticator.Request view(SignedRequest signed, byte[] body) {
        return view(signed.request(), body);
    }

    /** The request as the server sees it: the wire path and query, headers by lowercase name. */
    static Authenticator.Request view(SdkHttpRequest request, byte[] body) {
        String uri = request.getUri().getRawPath() + (request.getUri().getRawQuery() == null ? ""
                : "?" + request.getUri().getRawQuery());
        int q = uri.indexOf('?');
        return new Authenticator.Request() {
            @Override
            public String method() {
                return request.method().name();
            }

            @Override
            public String rawPath() {
                return q < 0 ? uri : uri.substring(0, q);
            }

            @Override
            public String rawQuery() {
                return q < 0 ? null : uri.substring(q + 1);
            }

            @Override
            public List<String> headers(String lowercaseName) {
                List<String> values = new ArrayList<>();
                request.headers().forEach((name, v) -> {
                    if (name.toLowerCase(Locale.ROOT).equals(lowercaseName)) {
                        values.addAll(v);
                    }
                });
                if (lowercaseName.equals("host") && values.isEmpty()) {
                    values.add(request.host() + (request.port() == 80 ? "" : ":" + request.port()));
                }
                return values;
            }

            @Override
            public String payloadSha256Hex() {
                return SigV4.sha256Hex(body);
            }
        };
    }

    static void assertRefused(Authenticator.Request request, ErrorCode code) {
        assertThatThrownBy(() -> AUTHENTICATOR.authenticate(request))
                .isInstanceOfSatisfying(SluiceException.class, e -> assertThat(e.code()).isEqualTo(code));
    }
}
