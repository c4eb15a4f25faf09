package dev.sluice.autoscaler;

import dev.sluice.autoscaler.internal.Durations;
import dev.sluice.autoscaler.internal.FreePorts;
import dev.sluice.autoscaler.internal.LogTail;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.variants.Cancellable;
import dev.sluice.variants.Scheduler;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Instances as child processes on this machine: by default one {@code ./sluice host} per instance on two free
 * loopback ports. An instance is admitted only once {@code GET /ping} answers 200; a process that exits first, or
 * does not get there within the ready timeout, fails the add with its exit code and last log lines. Removal waits
 * for the caller's drained signal (bounded), then sends SIGTERM and, after the stop timeout, SIGKILL.
 *
 * <p>Starting a process is a fork/exec of a few milliseconds on the calling thread; all waiting is done with the
 * {@link Scheduler} and the {@link HttpClient}'s asynchronous API, never by parking a thread.
 */
public final class LocalProcessCapacityProvider implements CapacityProvider {
    private static final Logger LOG = LoggerFactory.getLogger(LocalProcessCapacityProvider.class);
    /** A ping that takes longer than this counts as "not yet"; the next one follows after the ping interval. */
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(2);

    private final LocalProcessSettings settings;
    private final Scheduler scheduler;
    private final HttpClient http;
    private final Map<String, Child> children = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();

    /**
     * @param scheduler times readiness polls, drain grace and kill timeouts (give it a named scheduled executor)
     * @param http      pings the children (its executor runs the ping callbacks)
     */
    public LocalProcessCapacityProvider(LocalProcessSettings settings, Scheduler scheduler, HttpClient http) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.http = Objects.requireNonNull(http, "http");
    }

    @Override
    public CompletableFuture<Instance> add(VariantKey variant) {
        Objects.requireNonNull(variant, "variant");
        String id = variant.endpointName() + "-" + variant.variantName() + "-" + sequence.incrementAndGet();
        List<String> command;
        Process process;
        Path log = settings.logDirectory().resolve(id + ".log");
        int port;
        try {
            int[] ports = FreePorts.allocate(2);
            port = ports[0];
            command = List.copyOf(settings.command().command(variant, ports[0], ports[1]));
            Files.createDirectories(settings.logDirectory());
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(new SluiceException(ErrorCode.SERVICE_UNAVAILABLE,
                    "could not start instance " + id + " of " + variant + ": " + e.getMessage(), e));
        }
        Child child = new Child(new Instance.Remote(id, variant, URI.create("http://127.0.0.1:" + port)), process,
                log, String.join(" ", command));
        children.put(id, child);
        LOG.info("{}: started instance {} (pid {}): {}", variant, id, process.pid(), child.commandLine);
        CompletableFuture<Instance> ready = new CompletableFuture<>();
        poll(child, ready, scheduler.now().plus(settings.readyTimeout()), "no answer yet");
        return ready;
    }

    private void poll(Child child, CompletableFuture<Instance> ready, Instant deadline, String lastAnswer) {
        if (!child.process.isAlive()) {
            children.remove(child.instance.id());
            ready.completeExceptionally(failure(child, "exited with code " + child.process.exitValue()
                    + " before GET /ping answered 200"));
            return;
        }
        if (scheduler.now().isAfter(deadline)) {
            children.remove(child.instance.id());
            kill(child.process);
            ready.completeExceptionally(failure(child, "did not answer GET " + child.instance.uri() + "/ping with 200 within "
                    + Durations.human(settings.readyTimeout()) + " (last: " + lastAnswer + "); it was killed"));
            return;
        }
        HttpRequest ping = HttpRequest.newBuilder(child.instance.uri().resolve("/ping")).timeout(PING_TIMEOUT).GET()
                .build();
        http.sendAsync(ping, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
            if (response != null && response.statusCode() == 200) {
                child.admitted = true;
                LOG.info("{}: instance {} is ready at {}", child.instance.variant(), child.instance.id(),
                        child.instance.uri());
                ready.complete(child.instance);
                return;
            }
            String answer = response != null ? "HTTP " + response.statusCode()
                    : error.getClass().getSimpleName() + (error.getMessage() == null ? "" : ": " + error.getMessage());
            scheduler.schedule(() -> poll(child, ready, deadline, answer), settings.pingInterval());
        });
    }

    private SluiceException failure(Child child, String what) {
        String tail = LogTail.lastLines(child.log, settings.logTailLines());
        return new SluiceException(ErrorCode.SERVICE_UNAVAILABLE, "instance " + child.instance.id() + " of "
                + child.instance.variant() + " " + what + "; command: " + child.commandLine + "; log " + child.log
                + (tail.isEmpty() ? " is empty" : ", last lines:\n" + tail));
    }

    @Override
    public CompletableFuture<Void> remove(Instance instance, CompletionStage<Void> drained) {
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(drained, "drained");
        Child child = children.get(instance.id());
        if (child == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("instance " + instance.id()
                    + " was not started by this provider, or was already removed"));
        }
        child.draining = true;
        CompletableFuture<Void> gate = new CompletableFuture<>();
        drained.whenComplete((v, e) -> gate.complete(null));
        Cancellable grace = scheduler.schedule(() -> {
            if (gate.complete(null)) {
                LOG.warn("{}: instance {} still had requests in flight after the {} drain grace; stopping it",
                        instance.variant(), instance.id(), Durations.human(settings.drainTimeout()));
            }
        }, settings.drainTimeout());
        return gate.thenCompose(ignored -> {
            grace.cancel();
            return stop(child);
        });
    }

    private CompletableFuture<Void> stop(Child child) {
        LOG.info("{}: stopping instance {} (pid {})", child.instance.variant(), child.instance.id(), child.process.pid());
        child.process.destroy();
        Cancellable kill = scheduler.schedule(() -> {
            if (child.process.isAlive()) {
                LOG.warn("{}: instance {} ignored SIGTERM for {}; killing it", child.instance.variant(),
                        child.instance.id(), Durations.human(settings.stopTimeout()));
                kill(child.process);
            }
        }, settings.stopTimeout());
        return child.process.onExit().thenAccept(exited -> {
            kill.cancel();
            children.remove(child.instance.id());
        });
    }

    private static void kill(Process process) {
        // A launcher script that did not exec would leave its JVM behind; take the whole tree down.
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    @Override
    public CompletableFuture<List<Instance>> instances(VariantKey variant) {
        return CompletableFuture.completedFuture(children.values().stream()
                .filter(c -> c.instance.variant().equals(variant) && c.admitted && !c.draining && c.process.isAlive())
                .map(c -> (Instance) c.instance).toList());
    }

    /** Every child's process id, for operators and tests. */
    public Map<String, Long> processIds() {
        Map<String, Long> pids = new java.util.TreeMap<>();
        children.forEach((id, c) -> pids.put(id, c.process.pid()));
        return pids;
    }

    /** SIGTERM to every child, then SIGKILL to those still alive after the stop timeout. Blocks up to that long. */
    @Override
    public void close() {
        List<Child> all = List.copyOf(children.values());
        all.forEach(c -> c.process.destroy());
        long deadline = System.nanoTime() + settings.stopTimeout().toNanos();
        for (Child c : all) {
            try {
                if (!c.process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    kill(c.process);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill(c.process);
            }
            children.remove(c.instance.id());
        }
    }

    private static final class Child {
        final Instance.Remote instance;
        final Process process;
        final Path log;
        final String commandLine;
        volatile boolean admitted;
        volatile boolean draining;

        Child(Instance.Remote instance, Process process, Path log, String commandLine) {
            this.instance = instance;
            this.process = process;
            this.log = log;
            this.commandLine = commandLine;
        }
    }
}
