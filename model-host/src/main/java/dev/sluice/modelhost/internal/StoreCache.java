package dev.sluice.modelhost.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded directory of downloaded artifacts. Each entry is a directory named by a key that already encodes the
 * content's version (for S3: bucket, key and ETag), so an entry never changes once published and a key that exists
 * on disk is a hit.
 *
 * <ul>
 * <li>Entries are filled in a private temporary directory and published with one atomic rename: a crash leaves
 * temporary garbage (removed by the next instance), never an entry that looks complete but is not.</li>
 * <li>Concurrent requests for one key fill it once; the others wait for that fill.</li>
 * <li>Each use holds a lease; least recently used entries without leases are evicted when the total passes the
 * budget. An entry in use is never evicted, so the budget bounds what is kept, not what is in use.</li>
 * </ul>
 *
 * Directories are created on first use, so a host that never downloads leaves nothing behind. Several processes may
 * share one local directory safely as far as integrity goes (unique temporary names, rename-if-absent, temporary
 * directories tied to their process), but leases are per process: another process's eviction may remove an entry
 * this one is about to read, which then fails that load and downloads again on the next one.
 */
public final class StoreCache implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StoreCache.class);
    private static final String ENTRIES = "entries";
    private static final String TEMPORARY = "tmp";
    /** Unrecognised temporary items younger than this are left alone: something may still be creating them. */
    private static final Duration STALE_AFTER = Duration.ofMinutes(1);

    /** Writes an entry's content under {@code dir} (which exists and is empty) and answers the bytes written. */
    @FunctionalInterface
    public interface Filler {
        long fill(Path dir) throws IOException;
    }

    /** One use of an entry; {@link #close()} ends it (idempotent), after which the entry may be evicted. */
    public static final class Lease implements AutoCloseable {
        private final StoreCache cache;
        private final Entry entry;
        private final boolean filled;
        private final Duration fillTime;
        private final AtomicBoolean closed = new AtomicBoolean();

        private Lease(StoreCache cache, Entry entry, boolean filled, Duration fillTime) {
            this.cache = cache;
            this.entry = entry;
            this.filled = filled;
            this.fillTime = fillTime;
        }

        public Path dir() {
            return entry.dir;
        }

        /** True when this call filled the entry, false for a hit (also when it waited for another caller's fill). */
        public boolean filled() {
            return filled;
        }

        public long bytes() {
            return entry.bytes;
        }

        public Duration fillTime() {
            return fillTime;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                cache.release(entry);
            }
        }
    }

    private static final class Entry {
        final String key;
        final Path dir;
        final long bytes;
        final String source;
        int leases;
        boolean superseded;

        Entry(String key, Path dir, long bytes, String source) {
            this.key = key;
            this.dir = dir;
            this.bytes = bytes;
            this.source = source;
        }
    }

    private final Path root;
    private final Path entriesDir;
    private final Path temporaryRoot;
    private final long budgetBytes;
    private final Object lock = new Object();
    /** In access order: the head is the least recently used entry. Guarded by {@link #lock}. */
    private final LinkedHashMap<String, Entry> index = new LinkedHashMap<>(16, 0.75f, true);
    /** The newest entry per source (e.g. one S3 object), so an older version is dropped once unused. */
    private final Map<String, String> newestBySource = new HashMap<>();
    private final Map<String, CompletableFuture<Void>> fills = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();
    private long totalBytes;
    private boolean opened;
    private boolean closed;
    private Path instanceDir;

    public StoreCache(Path root, long budgetBytes) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        if (budgetBytes <= 0) {
            throw new IllegalArgumentException("budgetBytes must be positive, was " + budgetBytes);
        }
        this.entriesDir = this.root.resolve(ENTRIES);
        this.temporaryRoot = this.root.resolve(TEMPORARY);
        this.budgetBytes = budgetBytes;
    }

    /**
     * The entry for {@code key}, filled by {@code filler} if it is not on disk yet. Blocks while another caller fills
     * the same key. A filler's exception reaches every caller waiting for that fill.
     *
     * @param key           a file-name-safe name that changes whenever the content does
     * @param source        what the entry is a version of, or null; a newer key for the same source lets an older
     *                      one go as soon as nothing uses it
     * @param expectedBytes room to make before filling (0 when unknown)
     */
    public Lease acquire(String key, String source, long expectedBytes, Filler filler) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(filler, "filler");
        open();
        while (true) {
            Lease hit = leaseExisting(key, source);
            if (hit != null) {
                return hit;
            }
            CompletableFuture<Void> mine = new CompletableFuture<>();
            CompletableFuture<Void> theirs = fills.putIfAbsent(key, mine);
            if (theirs != null) {
                awaitFill(theirs);
                continue;
            }
            try {
                // Checked again now that this caller owns the fill: another may have published between the two.
                hit = leaseExisting(key, source);
                if (hit != null) {
                    mine.complete(null);
                    return hit;
                }
                Lease filled = fill(key, source, expectedBytes, filler);
                mine.complete(null);
                return filled;
            } catch (RuntimeException | Error e) {
                mine.completeExceptionally(e);
                throw e;
            } finally {
                fills.remove(key, mine);
            }
        }
    }

    private static void awaitFill(CompletableFuture<Void> fill) {
        try {
            fill.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a download", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private Lease leaseExisting(String key, String source) {
        Path dir = entriesDir.resolve(key);
        synchronized (lock) {
            requireOpen();
            Entry entry = index.get(key);
            boolean onDisk = Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS);
            if (entry != null && !onDisk) {
                // Deleted behind our back (an operator, another process's eviction): forget it and download again.
                index.remove(key);
                totalBytes -= entry.bytes;
                entry = null;
            }
            if (entry == null && onDisk) {
                // Published by another process sharing the directory: adopt it.
                entry = new Entry(key, dir, sizeOf(dir), source);
                index.put(key, entry);
                totalBytes += entry.bytes;
            }
            if (entry == null) {
                return null;
            }
            entry.leases++;
            touch(dir);
            return new Lease(this, entry, false, Duration.ZERO);
        }
    }

    private Lease fill(String key, String source, long expectedBytes, Filler filler) {
        List<Path> victims = makeRoom(expectedBytes);
        deleteAll(victims);
        Path scratch = instanceDir.resolve("fill-" + sequence.incrementAndGet());
        long start = System.nanoTime();
        long bytes;
        try {
            Files.createDirectories(scratch);
            bytes = filler.fill(scratch);
        } catch (IOException e) {
            deleteQuietly(scratch);
            throw new UncheckedIOException("cannot write into the model store cache " + root + ": " + e, e);
        } catch (RuntimeException | Error e) {
            deleteQuietly(scratch);
            throw e;
        }
        Duration fillTime = Duration.ofNanos(System.nanoTime() - start);
        Path dir = entriesDir.resolve(key);
        boolean published = publish(scratch, dir);
        List<Path> dropped = new ArrayList<>();
        Lease lease;
        synchronized (lock) {
            Entry entry = index.get(key);
            if (entry == null) {
                entry = new Entry(key, dir, published ? bytes : sizeOf(dir), source);
                index.put(key, entry);
                totalBytes += entry.bytes;
            }
            entry.leases++;
            lease = new Lease(this, entry, published, fillTime);
            if (source != null) {
                String older = newestBySource.put(source, key);
                Entry previous = older == null || older.equals(key) ? null : index.get(older);
                if (previous != null) {
                    previous.superseded = true;
                    if (previous.leases == 0) {
                        dropped.add(evict(previous));
                    }
                }
            }
            dropped.addAll(overBudget(0));
        }
        deleteAll(dropped);
        if (totalBytesNow() > budgetBytes) {
            LOG.warn("model store cache " + root + " holds " + totalBytesNow() + " bytes, over its budget of "
                    + budgetBytes + ": every entry over the budget is in use");
        }
        return lease;
    }

    /**
     * Renames the filled scratch directory into place. False when an identical entry got there first (another process
     * sharing the directory), in which case ours is discarded.
     */
    private boolean publish(Path scratch, Path dir) {
        try {
            Files.move(scratch, dir, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
            deleteQuietly(scratch);
            return false;
        } catch (AtomicMoveNotSupportedException e) {
            deleteQuietly(scratch);
            throw new IllegalStateException("the model store cache " + root + " cannot rename atomically; "
                    + "give it a directory on a local file system", e);
        } catch (IOException e) {
            deleteQuietly(scratch);
            throw new UncheckedIOException("cannot publish a download into " + dir + ": " + e, e);
        }
    }

    private void release(Entry entry) {
        List<Path> victims;
        synchronized (lock) {
            entry.leases--;
            // The lookup also marks the entry used: in use until now is recent use, for the LRU order.
            if (closed || index.get(entry.key) != entry) {
                return;
            }
            touch(entry.dir);
            if (entry.leases > 0) {
                return;
            }
            victims = new ArrayList<>();
            if (entry.superseded) {
                victims.add(evict(entry));
            }
            victims.addAll(overBudget(0));
        }
        deleteAll(victims);
    }

    private List<Path> makeRoom(long incoming) {
        synchronized (lock) {
            requireOpen();
            return overBudget(Math.max(0, incoming));
        }
    }

    /** Evicts unused entries, least recently used first, until {@code incoming} more bytes fit. Holds the lock. */
    private List<Path> overBudget(long incoming) {
        List<Path> victims = new ArrayList<>();
        Iterator<Entry> lru = index.values().iterator();
        while (totalBytes + incoming > budgetBytes && lru.hasNext()) {
            Entry candidate = lru.next();
            if (candidate.leases == 0) {
                lru.remove();
                victims.add(unpublish(candidate));
            }
        }
        return victims;
    }

    private Path evict(Entry entry) {
        index.remove(entry.key);
        return unpublish(entry);
    }

    /**
     * Moves an evicted entry out of the published names at once (so a crash mid-delete never leaves a partial entry
     * under its key) and answers where it went, for deletion outside the lock. Holds the lock.
     */
    private Path unpublish(Entry entry) {
        totalBytes -= entry.bytes;
        newestBySource.remove(entry.source, entry.key);
        Path grave = instanceDir.resolve("evicted-" + sequence.incrementAndGet());
        try {
            Files.move(entry.dir, grave, StandardCopyOption.ATOMIC_MOVE);
            return grave;
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            LOG.warn("cannot move evicted model store entry " + entry.dir + " aside; deleting it in place", e);
            return entry.dir;
        }
    }

    private long totalBytesNow() {
        synchronized (lock) {
            return totalBytes;
        }
    }

    /** The bytes held by entries, in use or not. */
    public long totalBytes() {
        return totalBytesNow();
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the model store cache " + root + " is closed");
        }
    }

    /** Creates the directories, claims a temporary directory of its own and indexes what earlier runs left. */
    private void open() {
        synchronized (lock) {
            requireOpen();
            if (opened) {
                return;
            }
            try {
                Files.createDirectories(entriesDir);
                Files.createDirectories(temporaryRoot);
                removeStaleTemporaries();
                ProcessHandle self = ProcessHandle.current();
                instanceDir = Files.createDirectories(temporaryRoot.resolve(self.pid() + "-"
                        + self.info().startInstant().map(Instant::toEpochMilli).orElse(0L) + "-" + UUID.randomUUID()));
                indexExistingEntries();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open the model store cache " + root + ": " + e, e);
            }
            opened = true;
            deleteAll(overBudget(0));
        }
    }

    /** Entries from earlier runs, oldest use first (an entry's modification time is its last use). */
    private void indexExistingEntries() throws IOException {
        record Found(Path dir, FileTime used) {
        }
        List<Found> found = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(entriesDir)) {
            for (Path dir : dirs) {
                if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                    found.add(new Found(dir, Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS)));
                }
            }
        }
        found.sort(Comparator.comparing(Found::used));
        for (Found f : found) {
            Entry entry = new Entry(f.dir().getFileName().toString(), f.dir(), sizeOf(f.dir()), null);
            index.put(entry.key, entry);
            totalBytes += entry.bytes;
        }
    }

    /**
     * Removes what dead instances left in the temporary directory. Each instance's directory is named
     * {@code <pid>-<process start millis>-<uuid>}: one whose process is gone (or whose pid now belongs to a process
     * started at another time) is abandoned. Process identity rather than file locks, because POSIX drops every lock
     * a process holds on a file when any of its descriptors for that file closes, which makes probing another
     * instance's lock from the same JVM release it.
     */
    private void removeStaleTemporaries() throws IOException {
        Instant staleBefore = Instant.now().minus(STALE_AFTER);
        List<Path> items;
        try (Stream<Path> list = Files.list(temporaryRoot)) {
            items = list.toList();
        }
        for (Path item : items) {
            if (abandoned(item.getFileName().toString(), olderThan(item, staleBefore))) {
                deleteQuietly(item);
            }
        }
    }

    private static boolean abandoned(String name, boolean old) {
        String[] parts = name.split("-", 3);
        long pid;
        long started;
        try {
            pid = Long.parseLong(parts[0]);
            started = parts.length == 3 ? Long.parseLong(parts[1]) : -1;
        } catch (NumberFormatException e) {
            // Not an instance directory; old enough that nobody is still creating it.
            return old;
        }
        if (started < 0) {
            return old;
        }
        Optional<ProcessHandle> owner = ProcessHandle.of(pid);
        if (owner.isEmpty() || !owner.get().isAlive()) {
            return true;
        }
        Optional<Instant> ownerStart = owner.get().info().startInstant();
        // Unknown start times count as the same process: keeping garbage is better than deleting a live download.
        return started != 0 && ownerStart.isPresent() && ownerStart.get().toEpochMilli() != started;
    }

    private static boolean olderThan(Path item, Instant when) {
        try {
            return Files.getLastModifiedTime(item, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(when);
        } catch (IOException e) {
            return false;
        }
    }

    private static void touch(Path dir) {
        try {
            Files.setLastModifiedTime(dir, FileTime.from(Instant.now()));
        } catch (IOException e) {
            // Only the eviction order of a later run suffers.
        }
    }

    static long sizeOf(Path dir) {
        try {
            return FileTrees.size(dir);
        } catch (IOException e) {
            return 0;
        }
    }

    private static void deleteAll(List<Path> dirs) {
        for (Path dir : dirs) {
            if (dir != null) {
                deleteQuietly(dir);
            }
        }
    }

    static void deleteQuietly(Path path) {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("could not delete " + path, e);
        }
    }

    /**
     * Stops the cache: later acquisitions fail, fills in progress fail when they publish, and this instance's
     * temporary directory goes. Published entries stay for the next run. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (!opened) {
                return;
            }
        }
        deleteQuietly(instanceDir);
    }
}
