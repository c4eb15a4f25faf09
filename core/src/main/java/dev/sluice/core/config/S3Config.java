package dev.sluice.core.config;

import java.net.URI;
import java.util.Locale;

/**
 * Where {@code s3://} model sources are read from. The defaults talk to AWS itself; an endpoint override points at an
 * S3-compatible store (MinIO, Ceph, LocalStack), most of which want path-style addressing
 * ({@code http://host/bucket/key} rather than {@code http://bucket.host/key}).
 *
 * @param endpoint  null for the AWS SDK's own resolution (AWS, or {@code AWS_ENDPOINT_URL_S3}), else an
 *                  {@code http(s)://} URL
 * @param pathStyle address buckets in the path rather than in the host name
 * @param region    the signing region; null for the model stores' default ({@code us-east-1})
 */
public record S3Config(URI endpoint, boolean pathStyle, String region) {
    public static final S3Config DEFAULT = new S3Config(null, false, null);

    public S3Config {
        if (endpoint != null) {
            String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || endpoint.getHost() == null) {
                throw new IllegalArgumentException("s3 endpoint must be an http:// or https:// URL with a host, got '"
                        + endpoint + "'");
            }
        }
        if (region != null && region.isBlank()) {
            throw new IllegalArgumentException("s3 region must not be blank");
        }
    }
}
