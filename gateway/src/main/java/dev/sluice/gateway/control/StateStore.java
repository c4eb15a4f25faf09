package dev.sluice.gateway.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's durable state: one JSON document per resource, {@code <dataDir>/<kind>/<name>.json}.
 *
 * <p>A write goes to a temporary file in the same directory, is fsynced, renamed over the old document atomically,
 * and the directory is fsynced, so a crash at any point leaves either the old or the new document, never a torn one
 * (the same recipe as etcd's and SQLite's). Leftover temporary files from a crash are ignored and removed on read.
 * Names are SageMaker resource names ({@code [a-zA-Z0-9-]}) so they are safe as file names.
 */
public final class StateStore {
    private static final Logger LOG = LoggerFactory.getLogger(StateStore.class);
    private static final Pattern SAFE = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}");
    private static final String SUFFIX = ".json";
    private static final String TEMP_PREFIX = ".tmp-";

    private final Path dir;
    private final ObjectMapper mapper;

    public StateStore(Path dir, ObjectMapper mapper) {
        this.dir = Objects.requireNonNull(dir, "dir");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create data directory " + dir.toAbsolutePath(), e);
        }
    }

    public Path directory() {
        return dir;
    }

    public void put(String kind, String name, JsonNode document) {
        Path kindDir = kindDir(kind);
        Path target = kindDir.resolve(check(name) + SUFFIX);
        try {
            Files.createDirectories(kindDir);
            Path temp = Files.createTempFile(kindDir, TEMP_PREFIX, SUFFIX);
            try {
                try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    channel.write(java.nio.ByteBuffer.wrap(mapper.writerWithDefaultPrettyPrinter()
                            .writeValueAsBytes(document)));
                    channel.force(true);
                }
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(temp);
            }
            syncDirectory(kindDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }

    public void delete(String kind, String name) {
        Path kindDir = kindDir(kind);
        try {
            if (Files.deleteIfExists(kindDir.resolve(check(name) + SUFFIX))) {
                syncDirectory(kindDir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + kind + "/" + name, e);
        }
    }

    /** Every document of a kind, by name. A document that does not parse is skipped with a warning, not fatal. */
    public Map<String, JsonNode> list(String kind) {
        Path kindDir = kindDir(kind);
        Map<String, JsonNode> documents = new TreeMap<>();
        if (!Files.isDirectory(kindDir)) {
            return documents;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(kindDir)) {
            for (Path file : files) {
                String fileName = file.getFileName().toString();
                if (fileName.startsWith(TEMP_PREFIX)) {
                    Files.deleteIfExists(file);
                    continue;
                }
                if (!fileName.endsWith(SUFFIX)) {
                    continue;
                }
                try {
                    documents.put(fileName.substring(0, fileName.length() - SUFFIX.length()), mapper.readTree(
                            file.toFile()));
                } catch (IOException e) {
                    LOG.warn("skipping unreadable state document {}: {}", file, e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + kindDir, e);
        }
        return documents;
    }

    private Path kindDir(String kind) {
        return dir.resolve(check(kind));
    }

    private static String check(String name) {
        if (name == null || !SAFE.matcher(name).matches()) {
            throw new IllegalArgumentException("not a safe state document name: '" + name + "'");
        }
        return name;
    }

    /** A rename is durable only once its directory entry is; Linux lets a directory be opened and forced. */
    private static void syncDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Some file systems (and Windows) refuse to open directories; the rename is still atomic there.
        }
    }
}
