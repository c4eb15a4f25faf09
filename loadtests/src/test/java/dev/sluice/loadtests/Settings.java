package dev.sluice.loadtests;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The simulations' knobs, all Java system properties ({@code -Dsluice.rate=50} on the Maven command line reaches the
 * forked Gatling JVM). Defaults keep a run short and light: a few tens of requests per second for tens of seconds.
 * Every value is read and checked once, when a simulation is constructed, so a typo fails before any load is sent.
 */
final class Settings {
    static final String DEFAULT_URL = "http://127.0.0.1:8080";
    static final String DEFAULT_ADMIN_URL = "http://127.0.0.1:8081";
    static final double DEFAULT_RATE = 20;
    static final int DEFAULT_DURATION_SECONDS = 30;
    static final int DEFAULT_P99_MS = 1000;
    static final double DEFAULT_MAX_ERROR_PERCENT = 1.0;
    /** Where loadtests/prepare-models.sh writes the tiny model, relative to the repository root. */
    static final String DEFAULT_MODEL_FILE = "loadtests/target/models/mlp.onnx";

    private Settings() {
    }

    /** Data plane, e.g. {@code -Dsluice.url=http://127.0.0.1:18080}. */
    static String url() {
        return baseUrl("sluice.url", DEFAULT_URL);
    }

    /** Admin port: the control plane and /metrics. */
    static String adminUrl() {
        return baseUrl("sluice.adminUrl", DEFAULT_ADMIN_URL);
    }

    /** Arrivals per second of the steady phase. */
    static double rate() {
        return positiveDouble("sluice.rate", DEFAULT_RATE);
    }

    static Duration duration() {
        return Duration.ofSeconds(positiveInt("sluice.duration", DEFAULT_DURATION_SECONDS));
    }

    /** Upper bound (exclusive) on the 99th percentile response time, in milliseconds. */
    static int p99Millis() {
        return nonNegativeInt("sluice.p99Ms", DEFAULT_P99_MS);
    }

    /** Upper bound (exclusive) on the share of failed requests, in percent. */
    static double maxErrorPercent() {
        double value = doubleValue("sluice.maxErrorPercent", DEFAULT_MAX_ERROR_PERCENT);
        if (value <= 0 || value > 100) {
            throw new IllegalArgumentException("sluice.maxErrorPercent must be in (0, 100], got " + value);
        }
        return value;
    }

    static Payload payload(Payload defaultPayload) {
        String value = System.getProperty("sluice.payload");
        return value == null ? defaultPayload : Payload.parse(value);
    }

    /**
     * The tiny model's {@code ModelDataUrl} for endpoints the simulations create: {@code -Dsluice.modelDataUrl}, else
     * the file prepare-models.sh writes (looked up from the repository root and from the module, since Maven runs
     * Gatling in the module's directory). The server resolves it, so it must be a path on the server's machine.
     */
    static String modelDataUrl() {
        String value = System.getProperty("sluice.modelDataUrl");
        if (value != null && !value.isBlank()) {
            return value.trim();
        }
        for (Path candidate : List.of(Path.of(DEFAULT_MODEL_FILE), Path.of("target/models/mlp.onnx"))) {
            if (Files.isRegularFile(candidate)) {
                return candidate.toAbsolutePath().normalize().toString();
            }
        }
        throw new IllegalStateException("no tiny model found at " + DEFAULT_MODEL_FILE
                + ": run loadtests/prepare-models.sh first, or pass -Dsluice.modelDataUrl=/path/to/model.onnx");
    }

    static String string(String name, String defaultValue) {
        String value = System.getProperty(name);
        return value == null || value.isBlank() ? defaultValue : value.trim();
    }

    static int positiveInt(String name, int defaultValue) {
        int value = intValue(name, defaultValue);
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
        return value;
    }

    static int nonNegativeInt(String name, int defaultValue) {
        int value = intValue(name, defaultValue);
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative, got " + value);
        }
        return value;
    }

    static double positiveDouble(String name, double defaultValue) {
        double value = doubleValue(name, defaultValue);
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be a positive number, got " + value);
        }
        return value;
    }

    static double nonNegativeDouble(String name, double defaultValue) {
        double value = doubleValue(name, defaultValue);
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be a non-negative number, got " + value);
        }
        return value;
    }

    /** A comma-separated list of non-negative numbers with a positive sum, e.g. {@code 0.7,0.3}. */
    static List<Double> weights(String name, String defaultValue) {
        String raw = string(name, defaultValue);
        List<Double> weights = new ArrayList<>();
        double sum = 0;
        for (String part : raw.split(",")) {
            double w;
            try {
                w = Double.parseDouble(part.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " must be comma-separated numbers, got '" + raw + "'");
            }
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException(name + " must hold non-negative numbers, got '" + raw + "'");
            }
            weights.add(w);
            sum += w;
        }
        if (!(sum > 0)) {
            throw new IllegalArgumentException(name + " must have a positive sum, got '" + raw + "'");
        }
        return List.copyOf(weights);
    }

    private static int intValue(String name, int defaultValue) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got '" + value + "'");
        }
    }

    private static double doubleValue(String name, double defaultValue) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, got '" + value + "'");
        }
    }

    /**
     * A base URL without a trailing slash. Loopback only unless {@code -Dsluice.allowRemote=true}: a load test pointed
     * at someone else's server by a stale default is the mistake this guards against.
     */
    private static String baseUrl(String name, String defaultValue) {
        String value = string(name, defaultValue);
        URI uri;
        try {
            uri = URI.create(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + " is not a URL: '" + value + "'");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException(name + " must be an http(s) URL with a host, got '" + value + "'");
        }
        if (!Boolean.getBoolean("sluice.allowRemote") && !isLoopback(uri.getHost())) {
            throw new IllegalArgumentException(name + " must name a loopback address (127.0.0.1, ::1, localhost), got '"
                    + value + "'; pass -Dsluice.allowRemote=true to load-test another machine");
        }
        return value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
    }

    static boolean isLoopback(String host) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        try {
            for (InetAddress address : InetAddress.getAllByName(bare)) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
