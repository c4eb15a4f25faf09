package dev.sluice.modelhost.internal;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The naming rules model stores share: which relative names may be joined to a prefix or written under a cache
 * directory, and how an {@code s3://bucket/key} URL splits. Kept textual on purpose: a name is judged before anything
 * is read, so nothing outside a prefix is ever opened to find out.
 */
public final class StoreNames {
    public static final String S3_SCHEME = "s3://";
    /** SageMaker's limit on {@code X-Amzn-SageMaker-Target-Model}; also S3's limit on a key, in bytes. */
    public static final int MAX_RELATIVE_LENGTH = 1024;
    private static final int MAX_SHOWN = 120;
    /**
     * S3's current bucket rules are stricter (lowercase, 3–63 characters); legacy us-east-1 buckets may still hold
     * capitals and underscores, so only what cannot be a bucket at all is refused here and S3 judges the rest.
     */
    private static final Pattern BUCKET = Pattern.compile("[A-Za-z0-9._-]{1,255}");
    /** An URL scheme of two or more characters, so that a Windows drive letter never reads as one. */
    private static final Pattern OTHER_SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]+://.*", Pattern.DOTALL);

    private StoreNames() {
    }

    /** An S3 location; {@code key} is empty for a whole bucket and ends with '/' for a prefix. */
    public record S3Location(String bucket, String key) {
        public boolean isPrefix() {
            return key.isEmpty() || key.endsWith("/");
        }

        @Override
        public String toString() {
            return S3_SCHEME + bucket + "/" + key;
        }
    }

    public static boolean isS3(String source) {
        return source.regionMatches(true, 0, S3_SCHEME, 0, S3_SCHEME.length());
    }

    /** True for {@code http://}, {@code gs://}, {@code s3a://} and the like: schemes no store reads. */
    public static boolean hasOtherScheme(String source) {
        return OTHER_SCHEME.matcher(source).matches() && !isS3(source)
                && !source.regionMatches(true, 0, "file:", 0, 5);
    }

    /**
     * Splits {@code s3://bucket/key}. The key is taken literally, not percent-decoded: SageMaker's S3 URIs carry keys
     * as they are ({@code s3://b/my model.tar.gz}), and decoding would let {@code %2e%2e} turn into {@code ..}.
     */
    public static S3Location parseS3(String url) {
        if (!isS3(url)) {
            throw new IllegalArgumentException("'" + shown(url) + "' is not an s3:// URL");
        }
        String rest = url.substring(S3_SCHEME.length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String key = slash < 0 ? "" : rest.substring(slash + 1);
        if (bucket.isEmpty()) {
            throw new IllegalArgumentException("S3 URL '" + shown(url) + "' names no bucket; expected s3://bucket/key");
        }
        if (!BUCKET.matcher(bucket).matches()) {
            throw new IllegalArgumentException("S3 URL '" + shown(url) + "': '" + shown(bucket)
                    + "' is not a bucket name (letters, digits, '.', '-', '_')");
        }
        if (key.startsWith("/")) {
            throw new IllegalArgumentException("S3 URL '" + shown(url) + "' has an empty first key segment ('//')");
        }
        if (key.length() > MAX_RELATIVE_LENGTH) {
            throw new IllegalArgumentException("S3 URL '" + shown(url) + "': the key is longer than "
                    + MAX_RELATIVE_LENGTH + " characters");
        }
        Optional<String> control = controlProblem(key);
        if (control.isPresent()) {
            throw new IllegalArgumentException("S3 URL '" + shown(url) + "': the key " + control.get());
        }
        return new S3Location(bucket, key);
    }

    /**
     * Why {@code name} may not be used as a path relative to a prefix, or empty when it may: it must be 1–1024
     * characters of valid Unicode without control characters, backslashes, a leading '/', empty segments, or '.'
     * and '..' segments. Such a name cannot climb out, cannot be absolute, and means the same thing to S3 and to a
     * file system.
     */
    public static Optional<String> relativeProblem(String name) {
        if (name == null || name.isEmpty()) {
            return Optional.of("is empty");
        }
        if (name.length() > MAX_RELATIVE_LENGTH) {
            return Optional.of("is longer than " + MAX_RELATIVE_LENGTH + " characters");
        }
        Optional<String> control = controlProblem(name);
        if (control.isPresent()) {
            return control;
        }
        if (name.indexOf('\\') >= 0) {
            return Optional.of("contains a backslash");
        }
        if (name.startsWith("/")) {
            return Optional.of("is an absolute path");
        }
        for (String segment : name.split("/", -1)) {
            if (segment.isEmpty()) {
                return Optional.of("has an empty path segment");
            }
            if (segment.equals(".") || segment.equals("..")) {
                return Optional.of("has a '" + segment + "' segment");
            }
        }
        return Optional.empty();
    }

    private static Optional<String> controlProblem(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                return Optional.of("contains a control character");
            }
            if (Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return Optional.of("is not valid Unicode");
            }
        }
        return Optional.empty();
    }

    /** {@code text} made safe to quote in a message or a log line: controls shown as '?', long text cut. */
    public static String shown(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_SHOWN) + 3);
        for (int i = 0; i < text.length() && i < MAX_SHOWN; i++) {
            char c = text.charAt(i);
            out.append(Character.isISOControl(c) || Character.isSurrogate(c) || c == '\u2028' || c == '\u2029'
                    ? '?' : c);
        }
        return text.length() > MAX_SHOWN ? out.append("...").toString() : out.toString();
    }
}
