package dev.sluice.batch.internal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/** A local file or directory tree. Outputs go to a dot-named temporary file beside the target, then an atomic rename. */
final class LocalStore implements Store {
    static final String TEMP_MARKER = ".sluice-tmp-";
    private final Path root;
    private final Path otherRoot;

    LocalStore(String location, String other) {
        this.root = Path.of(location).toAbsolutePath().normalize();
        this.otherRoot = other == null || Store.isS3(other) ? null : Path.of(other).toAbsolutePath().normalize();
    }

    @Override
    public List<Item> list() throws IOException {
        if (Files.isRegularFile(root)) {
            return List.of(new Item(root.getFileName().toString(), root.toString(), Files.size(root)));
        }
        if (!Files.isDirectory(root)) {
            throw new NoSuchFileException(root.toString(), null, "input does not exist");
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile)
                    // Outputs written inside the input tree must not become inputs of a re-run.
                    .filter(p -> !isOurs(p) && (otherRoot == null || otherRoot.equals(root) || !p.startsWith(otherRoot)))
                    .sorted()
                    .map(p -> {
                        try {
                            return new Item(root.relativize(p).toString().replace('\\', '/'), p.toString(), Files.size(p));
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private boolean isOurs(Path p) {
        String name = p.getFileName().toString();
        return name.equals(MANIFEST) || name.contains(TEMP_MARKER)
                || (otherRoot != null && otherRoot.equals(root) && name.endsWith(".out"));
    }

    @Override
    public InputStream open(Item item) throws IOException {
        return Files.newInputStream(Files.isRegularFile(root) ? root : root.resolve(item.relativePath()));
    }

    @Override
    public PendingOutput create(String relativePath) throws IOException {
        Path target = root.resolve(Store.checkRelative(relativePath)).normalize();
        Files.createDirectories(target.getParent());
        Path temp = target.resolveSibling("." + target.getFileName() + TEMP_MARKER + UUID.randomUUID());
        OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp), 64 * 1024);
        return new PendingOutput() {
            @Override
            public OutputStream stream() {
                return out;
            }

            @Override
            public void commit() throws IOException {
                out.close();
                move(temp, target);
            }

            @Override
            public void abort() {
                try {
                    out.close();
                } catch (IOException ignored) {
                    // the file is deleted next
                }
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // a leftover dot file; list() skips it
                }
            }
        };
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override
    public boolean exists(String relativePath) {
        return Files.isRegularFile(root.resolve(relativePath));
    }

    @Override
    public Optional<byte[]> readManifest() throws IOException {
        Path manifest = root.resolve(MANIFEST);
        return Files.isRegularFile(manifest) ? Optional.of(Files.readAllBytes(manifest)) : Optional.empty();
    }

    @Override
    public void writeManifest(byte[] content) throws IOException {
        Files.createDirectories(root);
        Path temp = root.resolve("." + MANIFEST + TEMP_MARKER + UUID.randomUUID());
        Files.write(temp, content);
        move(temp, root.resolve(MANIFEST));
    }

    @Override
    public void close() {
    }
}
