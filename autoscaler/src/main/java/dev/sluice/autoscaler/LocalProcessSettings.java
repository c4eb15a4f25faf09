package dev.sluice.autoscaler;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * How {@link LocalProcessCapacityProvider} runs instances.
 *
 * @param command       the command line of one instance, given its variant and two free loopback ports
 * @param logDirectory  where each instance's stdout and stderr go ({@code <instance id>.log}); failures quote its tail
 * @param readyTimeout  how long an instance may take to answer {@code GET /ping} with 200 (its model loads first)
 * @param pingInterval  how often {@code /ping} is tried while it starts
 * @param drainTimeout  the longest a removal waits for the caller's "drained" signal before stopping anyway
 * @param stopTimeout   how long after SIGTERM the process may take to exit before it is killed
 * @param logTailLines  how many log lines a failure message quotes
 */
public record LocalProcessSettings(LaunchCommand command, Path logDirectory, Duration readyTimeout,
                                   Duration pingInterval, Duration drainTimeout, Duration stopTimeout,
                                   int logTailLines) {
    /** A host loads its model before {@code /ping} answers 200; MiniLM from a cold disk takes seconds, not minutes. */
    public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofMinutes(2);
    public static final Duration DEFAULT_PING_INTERVAL = Duration.ofMillis(250);
    /** The same 30 s a host itself drains for on SIGTERM ({@code --drain-seconds}). */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_LOG_TAIL_LINES = 20;

    /** The command line of one instance. */
    @FunctionalInterface
    public interface LaunchCommand {
        List<String> command(VariantKey variant, int port, int adminPort);
    }

    public LocalProcessSettings {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(logDirectory, "logDirectory");
        requirePositive(readyTimeout, "readyTimeout");
        requirePositive(pingInterval, "pingInterval");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        if (drainTimeout.isNegative()) {
            throw new IllegalArgumentException("drainTimeout must not be negative, got: " + drainTimeout);
        }
        requirePositive(stopTimeout, "stopTimeout");
        if (logTailLines < 0) {
            throw new IllegalArgumentException("logTailLines must not be negative, got: " + logTailLines);
        }
    }

    private static void requirePositive(Duration d, String field) {
        Objects.requireNonNull(d, field);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(field + " must be positive, got: " + d);
        }
    }

    /** The defaults around {@code command}. */
    public static LocalProcessSettings of(LaunchCommand command, Path logDirectory) {
        return new LocalProcessSettings(command, logDirectory, DEFAULT_READY_TIMEOUT, DEFAULT_PING_INTERVAL,
                DEFAULT_DRAIN_TIMEOUT, DEFAULT_STOP_TIMEOUT, DEFAULT_LOG_TAIL_LINES);
    }

    /**
     * {@code <launcher> host --port P --admin-port Q --bind 127.0.0.1 --model NAME=PATH}: a {@code sluice host} per
     * instance, on loopback only (the gateway in this JVM is its one client). {@code modelArgument} gives a variant's
     * {@code NAME=PATH}.
     */
    public static LaunchCommand sluiceHost(Path launcher, Function<VariantKey, String> modelArgument) {
        Objects.requireNonNull(launcher, "launcher");
        Objects.requireNonNull(modelArgument, "modelArgument");
        return (variant, port, adminPort) -> List.of(launcher.toString(), "host", "--port", Integer.toString(port),
                "--admin-port", Integer.toString(adminPort), "--bind", "127.0.0.1",
                "--model", modelArgument.apply(variant));
    }

    public LocalProcessSettings withTimeouts(Duration ready, Duration drain, Duration stop) {
        return new LocalProcessSettings(command, logDirectory, ready, pingInterval, drain, stop, logTailLines);
    }
}
