package dev.sluice.modelhost;

import dev.sluice.core.SluiceException;
import dev.sluice.modelhost.internal.StoreCache;
import dev.sluice.modelhost.internal.StoreCredentials;
import dev.sluice.modelhost.internal.StoreNames;
import dev.sluice.modelhost.internal.StoreNames.S3Location;
import dev.sluice.modelhost.internal.StoreS3;
import dev.sluice.modelhost.internal.StoreS3.ObjectVersion;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * Where model artifacts come from: local paths as they are, and S3 objects or prefixes downloaded into a bounded
 * on-disk cache. {@link ModelHost} localizes every source through one of these before it resolves the model file;
 * a multi-model host joins a client's target model to its prefix with {@link #join}.
 *
 * <p>Thread-safe. {@link #localize} blocks (HEAD/LIST and downloads): call it from loader threads, never from an event
 * loop. Nothing touches the disk or the network before the first S3 source.
 */
public final class ModelStores implements AutoCloseable {
    /** More objects than a model prefix plausibly holds; the same bound as a model archive's entries. */
    static final int MAX_PREFIX_OBJECTS = 100_000;
    /** A version check and a download race with an upload; after this many lost races the failure is reported. */
    private static final int MAX_ATTEMPTS = 3;

    /**
     * @param s3Endpoint     endpoint override (null: the SDK's default resolution, which honours
     *                       {@code AWS_ENDPOINT_URL_S3})
     * @param s3PathStyle    path-style access ({@code http://host/bucket/key}), as s3proxy and MinIO need
     * @param s3Region       signing region (null: {@value #DEFAULT_REGION})
     * @param cacheDir       where downloaded artifacts live; created on first download
     * @param diskCacheBytes bound on the cache; least recently used entries not in use are evicted past it
     */
    public record Settings(URI s3Endpoint, boolean s3PathStyle, String s3Region, Path cacheDir, long diskCacheBytes) {
        public static final String DEFAULT_REGION = "us-east-1";
        public static final long DEFAULT_DISK_CACHE_BYTES = 10L << 30;

        public Settings {
            if (s3Endpoint != null) {
                String scheme = s3Endpoint.getScheme() == null ? "" : s3Endpoint.getScheme().toLowerCase(Locale.ROOT);
                if (!(scheme.equals("http") || scheme.equals("https")) || s3Endpoint.getHost() == null) {
                    throw new IllegalArgumentException("s3Endpoint must be an http:// or https:// URL with a host, was "
                            + s3Endpoint);
                }
            }
            if (s3Region == null) {
                s3Region = DEFAULT_REGION;
            } else if (s3Region.isBlank()) {
                throw new IllegalArgumentException("s3Region must not be blank (null means " + DEFAULT_REGION + ")");
            }
            Objects.requireNonNull(cacheDir, "cacheDir");
            if (diskCacheBytes <= 0) {
                throw new IllegalArgumentException("diskCacheBytes must be positive, was " + diskCacheBytes);
            }
        }

        /** No endpoint override, virtual-host style, {@value #DEFAULT_REGION}, 10 GiB. */
        public static Settings defaults(Path cacheDir) {
            return new Settings(null, false, DEFAULT_REGION, cacheDir, DEFAULT_DISK_CACHE_BYTES);
        }
    }

    /**
     * A source on local disk. For a download it holds a lease on the cache entry: {@link #close()} (idempotent)
     * releases it so the entry may be evicted; until then its files stay. A local source holds nothing.
     *
     * <p>A final class rather than a record: a record cannot carry the lease beside its four components.
     */
    public static final class Localized implements AutoCloseable {
        private final Path path;
        private final boolean downloaded;
        private final long bytes;
        private final Duration downloadTime;
        private final AutoCloseable lease;
        private final AtomicBoolean closed = new AtomicBoolean();

        /** A localized source that holds no lease (a local path, or a test double). */
        public Localized(Path path, boolean downloaded, long bytes, Duration downloadTime) {
            this(path, downloaded, bytes, downloadTime, null);
        }

        private Localized(Path path, boolean downloaded, long bytes, Duration downloadTime, AutoCloseable lease) {
            this.path = Objects.requireNonNull(path, "path");
            if (bytes < 0) {
                throw new IllegalArgumentException("bytes must not be negative, was " + bytes);
            }
            Objects.requireNonNull(downloadTime, "downloadTime");
            if (downloadTime.isNegative()) {
                throw new IllegalArgumentException("downloadTime must not be negative, was " + downloadTime);
            }
            this.downloaded = downloaded;
            this.bytes = bytes;
            this.downloadTime = downloadTime;
            this.lease = lease;
        }

        /** The file, or the directory holding a prefix's objects (relative paths kept). */
        public Path path() {
            return path;
        }

        /** True when this call downloaded it; false for local paths and cache hits. */
        public boolean downloaded() {
            return downloaded;
        }

        /** Size of the file, or the sum over the directory's files. */
        public long bytes() {
            return bytes;
        }

        /** Time spent downloading (SageMaker's ModelDownloadingTime); zero unless {@link #downloaded()}. */
        public Duration downloadTime() {
            return downloadTime;
        }

        @Override
        public void close() {
            if (lease != null && closed.compareAndSet(false, true)) {
                try {
                    lease.close();
                } catch (Exception e) {
                    throw new IllegalStateException("releasing " + path + " failed", e);
                }
            }
        }

        @Override
        public String toString() {
            return "Localized[path=" + path + ", downloaded=" + downloaded + ", bytes=" + bytes + ", downloadTime="
                    + downloadTime + "]";
        }
    }

    private final Settings settings;
    private final StoreCache cache;
    private final StoreS3 s3;
    private final SdkAutoCloseable ownedCredentials;
    private final String endpointId;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** S3 credentials from the SDK's default chain, falling back to anonymous when it finds none. */
    public ModelStores(Settings settings) {
        this(settings, new StoreCredentials(), true);
    }

    /** With explicit S3 credentials (which the caller keeps and closes). */
    public ModelStores(Settings settings, AwsCredentialsProvider credentials) {
        this(settings, credentials, false);
    }

    private ModelStores(Settings settings, AwsCredentialsProvider credentials, boolean ownsCredentials) {
        this.settings = Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(credentials, "credentials");
        this.ownedCredentials = ownsCredentials && credentials instanceof SdkAutoCloseable closeable ? closeable : null;
        this.cache = new StoreCache(settings.cacheDir(), settings.diskCacheBytes());
        this.s3 = new StoreS3(settings.s3Endpoint(), settings.s3PathStyle(), settings.s3Region(), credentials);
        // Part of every cache key: the same bucket/key on two endpoints is two different objects.
        this.endpointId = settings.s3Endpoint() == null ? "aws:" + settings.s3Region() : settings.s3Endpoint().toString();
    }

    public Settings settings() {
        return settings;
    }

    /**
     * The source on local disk. Blocking; call from a loader thread.
     * <ul>
     * <li>A local path or {@code file:} URL: that path, which must exist; nothing is copied.</li>
     * <li>{@code s3://bucket/key} of one object: the object, downloaded into the cache under its own file name (a
     * later call for the same bucket, key and ETag is a hit and downloads nothing).</li>
     * <li>{@code s3://bucket/prefix/}, or a key with no object but objects under {@code key + "/"}: a cache directory
     * holding every object under it, relative paths kept; names that are absolute or hold {@code ..} are refused.</li>
     * </ul>
     * Concurrent calls for one source download it once. Close the answer when the artifact is no longer read.
     *
     * @throws IllegalArgumentException for a bad URL, a missing path, object or bucket, or refused access
     * @throws SluiceException          ({@code INTERNAL_DEPENDENCY}) when S3 cannot be reached or fails
     */
    public Localized localize(String source) {
        Objects.requireNonNull(source, "source");
        if (closed.get()) {
            throw new IllegalStateException("model stores are closed");
        }
        String trimmed = source.trim();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("model source must not be empty");
        }
        if (StoreNames.isS3(trimmed)) {
            return localizeS3(StoreNames.parseS3(trimmed));
        }
        if (trimmed.regionMatches(true, 0, "builtin:", 0, 8)) {
            throw new IllegalArgumentException("model source " + trimmed + " is built in, not stored; ModelHost "
                    + "resolves it itself");
        }
        if (StoreNames.hasOtherScheme(trimmed)) {
            throw new IllegalArgumentException("model source '" + StoreNames.shown(trimmed)
                    + "': unsupported URL scheme; use a local path, a file: URL or s3://bucket/key");
        }
        Path path = localPath(trimmed);
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("model source " + path.toAbsolutePath() + " does not exist");
        }
        return new Localized(path, false, sizeOf(path), Duration.ZERO);
    }

    private static Path localPath(String source) {
        try {
            return source.regionMatches(true, 0, "file:", 0, 5) ? Path.of(URI.create(source)) : Path.of(source);
        } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            // InvalidPathException is an IllegalArgumentException too; both deserve the source in the message.
            throw new IllegalArgumentException("model source '" + StoreNames.shown(source) + "' is not a valid path or "
                    + "file: URL: " + e.getMessage(), e);
        }
    }

    private static long sizeOf(Path path) {
        try {
            return dev.sluice.modelhost.internal.FileTrees.size(path);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read model source " + path.toAbsolutePath() + ": " + e, e);
        }
    }

    private Localized localizeS3(S3Location location) {
        for (int attempt = 1; ; attempt++) {
            try {
                if (location.isPrefix()) {
                    return localizePrefix(location, location);
                }
                Optional<ObjectVersion> object = s3.head(location);
                if (object.isPresent()) {
                    return localizeObject(location, object.get());
                }
                // No object under that exact key: SageMaker's S3Prefix data sources name "directories" without the
                // trailing slash. Listing also tells a missing bucket from a missing key.
                return localizePrefix(new S3Location(location.bucket(), location.key() + "/"), location);
            } catch (StoreS3.ChangedException e) {
                if (attempt >= MAX_ATTEMPTS) {
                    throw new IllegalArgumentException(e.getMessage() + "; gave up after " + attempt + " attempts", e);
                }
            }
        }
    }

    private Localized localizeObject(S3Location location, ObjectVersion version) {
        String fileName = location.key().substring(location.key().lastIndexOf('/') + 1);
        Optional<String> problem = StoreNames.relativeProblem(fileName);
        if (problem.isPresent()) {
            throw new IllegalArgumentException(location + ": the object's name '" + StoreNames.shown(fileName) + "' "
                    + problem.get() + " and cannot be a file name");
        }
        String sourceId = endpointId + "\n" + location;
        String key = cacheKey("object", sourceId, version.eTag(), Long.toString(version.size()));
        StoreCache.Lease lease = cache.acquire(key, sourceId, version.size(), dir -> {
            Path file = dir.resolve(fileName);
            return s3.download(location.bucket(), version, file);
        });
        return localized(lease, lease.dir().resolve(fileName));
    }

    /** @param asked what the caller named, for messages: the prefix itself, or the key that turned out not to be one */
    private Localized localizePrefix(S3Location prefix, S3Location asked) {
        List<ObjectVersion> listed = s3.list(prefix, asked, MAX_PREFIX_OBJECTS);
        if (listed.size() > MAX_PREFIX_OBJECTS) {
            throw new IllegalArgumentException(prefix + " holds more than " + MAX_PREFIX_OBJECTS + " objects");
        }
        List<ObjectVersion> objects = new ArrayList<>();
        List<String> relatives = new ArrayList<>();
        StringBuilder fingerprint = new StringBuilder();
        long total = 0;
        for (ObjectVersion object : listed) {
            String relative = object.key().substring(prefix.key().length());
            // Zero-byte "folder" markers that consoles create; they hold nothing to download.
            if (relative.isEmpty() || (relative.endsWith("/") && object.size() == 0)) {
                continue;
            }
            Optional<String> problem = StoreNames.relativeProblem(relative);
            if (problem.isPresent()) {
                throw new IllegalArgumentException(prefix + " holds '" + StoreNames.shown(object.key())
                        + "', whose name below the prefix " + problem.get() + "; refusing to download it");
            }
            objects.add(object);
            relatives.add(relative);
            fingerprint.append(relative).append('\n').append(object.eTag()).append('\n').append(object.size())
                    .append('\n');
            total += object.size();
        }
        if (objects.isEmpty()) {
            throw new IllegalArgumentException(asked + " does not exist");
        }
        requireNoFileDirectoryClash(prefix, relatives);
        String sourceId = endpointId + "\n" + prefix;
        String key = cacheKey("prefix", sourceId, fingerprint.toString());
        StoreCache.Lease lease = cache.acquire(key, sourceId, total, dir -> {
            long bytes = 0;
            for (int i = 0; i < objects.size(); i++) {
                Path file = dir.resolve(relatives.get(i));
                if (!file.normalize().startsWith(dir)) {
                    // Unreachable after relativeProblem; kept so that a rule change there cannot open a hole here.
                    throw new IllegalArgumentException(prefix + ": '" + relatives.get(i) + "' escapes the prefix");
                }
                Files.createDirectories(file.getParent());
                bytes += s3.download(prefix.bucket(), objects.get(i), file);
            }
            return bytes;
        });
        return localized(lease, lease.dir());
    }

    /** Keys "a" and "a/b" cannot both be files; say so instead of failing halfway through the download. */
    private static void requireNoFileDirectoryClash(S3Location prefix, List<String> relatives) {
        Set<String> files = new HashSet<>(relatives);
        for (String relative : relatives) {
            for (int slash = relative.indexOf('/'); slash >= 0; slash = relative.indexOf('/', slash + 1)) {
                if (files.contains(relative.substring(0, slash))) {
                    throw new IllegalArgumentException(prefix + " holds both '" + relative.substring(0, slash)
                            + "' and '" + relative + "', which cannot both be files");
                }
            }
        }
    }

    private static Localized localized(StoreCache.Lease lease, Path path) {
        return new Localized(path, lease.filled(), lease.bytes(), lease.filled() ? lease.fillTime() : Duration.ZERO,
                lease);
    }

    private static String cacheKey(String... parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : parts) {
                sha.update(part.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /**
     * Joins a multi-model target ({@code X-Amzn-SageMaker-Target-Model}, e.g. {@code model1.tar.gz} or
     * {@code team/a.onnx}) to a prefix: a directory path, a {@code file:} URL or {@code s3://bucket/prefix}. The prefix
     * is taken as a directory whether or not it ends with '/'. Targets that are absolute, hold {@code ..} or
     * {@code .} segments, empty segments, backslashes or control characters, or are not 1–1024 characters are refused
     * before anything is read, so nothing outside the prefix is ever reached through a target.
     *
     * @throws SluiceException          {@code VALIDATION_ERROR} (400) for a refused target
     * @throws IllegalArgumentException for a bad prefix (configuration, not the client's fault)
     */
    public static String join(String prefix, String relativeTarget) {
        Optional<String> problem = StoreNames.relativeProblem(relativeTarget);
        if (problem.isPresent()) {
            throw SluiceException.validation("target model '" + StoreNames.shown(relativeTarget) + "' "
                    + problem.get());
        }
        if (prefix == null || prefix.isBlank()) {
            throw new IllegalArgumentException("model prefix must not be empty");
        }
        String trimmed = prefix.trim();
        if (StoreNames.isS3(trimmed)) {
            S3Location base = StoreNames.parseS3(trimmed);
            String key = base.key().isEmpty() || base.key().endsWith("/") ? base.key() : base.key() + "/";
            return new S3Location(base.bucket(), key + relativeTarget).toString();
        }
        if (StoreNames.hasOtherScheme(trimmed)) {
            throw new IllegalArgumentException("model prefix '" + StoreNames.shown(trimmed)
                    + "': unsupported URL scheme; use a directory, a file: URL or s3://bucket/prefix/");
        }
        boolean url = trimmed.regionMatches(true, 0, "file:", 0, 5);
        Path base = localPath(trimmed).toAbsolutePath().normalize();
        Path joined;
        try {
            joined = base.resolve(relativeTarget).normalize();
        } catch (InvalidPathException e) {
            throw SluiceException.validation("target model '" + StoreNames.shown(relativeTarget)
                    + "' is not a valid file name here");
        }
        if (!joined.startsWith(base) || joined.equals(base)) {
            // Unreachable after relativeProblem; kept so that a rule change there cannot open a hole here.
            throw SluiceException.validation("target model '" + StoreNames.shown(relativeTarget)
                    + "' leaves the model prefix");
        }
        // As a file: URL the target is percent-encoded, so a '%' in it stays a '%' when the URL is read back.
        return url ? joined.toUri().toString() : joined.toString();
    }

    /** Closes the S3 client and this instance's temporary files; downloaded entries stay for the next run. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            s3.close();
        } finally {
            try {
                cache.close();
            } finally {
                if (ownedCredentials != null) {
                    ownedCredentials.close();
                }
            }
        }
    }

    @Override
    public String toString() {
        return "ModelStores[" + settings + "]";
    }
}
