package dev.sluice.neo.internal;

import dev.sluice.core.artifact.ArtifactManifest;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Where the model to compile comes from: an {@code .onnx} file, a directory ({@code model.onnx}, else its only
 * {@code .onnx}) or a {@code model.tar.gz} extracted into the compiler's work directory. Other files of a directory
 * or archive (a {@code tokenizer.json}, label maps, ...) travel into the artifact unchanged; beside a bare
 * {@code .onnx} only a {@code tokenizer.json} does.
 *
 * @param onnx    the model file
 * @param root    the directory carried files are relative to
 * @param carried files to copy into the artifact, relative to {@code root}
 */
public record ModelSource(Path onnx, Path root, List<Path> carried) {
    static final long MAX_EXTRACTED_BYTES = 8L << 30;
    static final int MAX_ENTRIES = 10_000;

    public ModelSource {
        carried = List.copyOf(carried);
    }

    public static ModelSource resolve(Path model, Path workDir) throws IOException {
        if (Files.isDirectory(model)) {
            return fromDirectory(model, model);
        }
        if (!Files.isRegularFile(model)) {
            throw new IllegalArgumentException("model " + model.toAbsolutePath() + " does not exist");
        }
        String name = model.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".onnx")) {
            refuseCompiled(model.toAbsolutePath().getParent(), model);
            Path tokenizer = model.toAbsolutePath().getParent().resolve("tokenizer.json");
            return new ModelSource(model, model.toAbsolutePath().getParent(),
                    Files.isRegularFile(tokenizer) ? List.of(Path.of("tokenizer.json")) : List.of());
        }
        if (name.endsWith(".tar.gz") || name.endsWith(".tgz") || name.endsWith(".tar")) {
            Path dir = workDir.resolve("source");
            extract(model, dir, !name.endsWith(".tar"));
            return fromDirectory(dir, model);
        }
        throw new IllegalArgumentException("model " + model.toAbsolutePath() + " is neither an .onnx file, a directory"
                + " nor a .tar.gz archive");
    }

    private static ModelSource fromDirectory(Path dir, Path given) throws IOException {
        refuseCompiled(dir, given);
        List<Path> onnx = new ArrayList<>();
        List<Path> others = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(Files::isRegularFile).forEach(p -> {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                (n.endsWith(".onnx") ? onnx : others).add(p);
            });
        }
        Path chosen;
        if (Files.isRegularFile(dir.resolve("model.onnx"))) {
            chosen = dir.resolve("model.onnx");
        } else if (onnx.size() == 1) {
            chosen = onnx.get(0);
        } else if (onnx.isEmpty()) {
            throw new IllegalArgumentException("no .onnx file in " + given.toAbsolutePath());
        } else {
            throw new IllegalArgumentException("several .onnx files in " + given.toAbsolutePath() + " ("
                    + onnx.stream().map(p -> dir.relativize(p).toString()).sorted().toList()
                    + "); name the one to compile model.onnx or give its path");
        }
        List<Path> carried = new ArrayList<>();
        for (Path p : others) {
            carried.add(dir.relativize(p));
        }
        return new ModelSource(chosen, dir, carried);
    }

    /**
     * This source without the files the model reads as external data: the compiled model has them inlined.
     *
     * @param locations external-data locations, relative to the model's directory
     */
    public ModelSource withoutExternalData(Set<String> locations) {
        Path modelDir = onnx.toAbsolutePath().getParent();
        List<Path> kept = new ArrayList<>();
        for (Path p : carried) {
            Path absolute = root.toAbsolutePath().resolve(p).normalize();
            boolean external = locations.stream().anyMatch(l -> modelDir.resolve(l).normalize().equals(absolute));
            if (!external) {
                kept.add(p);
            }
        }
        return new ModelSource(onnx, root, kept);
    }

    private static void refuseCompiled(Path dir, Path given) {
        if (dir != null && Files.isRegularFile(dir.resolve(ArtifactManifest.FILE_NAME))) {
            throw new IllegalArgumentException(given.toAbsolutePath() + " is already a compiled artifact (it has a "
                    + ArtifactManifest.FILE_NAME + "); compile the original model instead");
        }
    }

    /** Extracts regular files and directories only, refusing entries that would land outside {@code dir}. */
    static void extract(Path archive, Path dir, boolean gzip) throws IOException {
        Files.createDirectories(dir);
        Path root = dir.toAbsolutePath().normalize();
        long total = 0;
        int entries = 0;
        try (InputStream file = new BufferedInputStream(Files.newInputStream(archive));
             InputStream raw = gzip ? GzipCompressorInputStream.builder().setInputStream(file)
                     .setDecompressConcatenated(true).get() : file;
             TarArchiveInputStream tar = new TarArchiveInputStream(raw)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                if (++entries > MAX_ENTRIES) {
                    throw new IllegalArgumentException("model archive " + archive + " has more than " + MAX_ENTRIES
                            + " entries");
                }
                Path dest = root.resolve(entry.getName()).normalize();
                if (entry.getName().startsWith("/") || !dest.startsWith(root)) {
                    throw new IllegalArgumentException("model archive " + archive + " is unsafe: entry '"
                            + entry.getName() + "' escapes the extraction directory");
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(dest);
                } else if (entry.isFile() && !entry.isSymbolicLink() && !entry.isLink()) {
                    total += entry.getSize();
                    if (total > MAX_EXTRACTED_BYTES) {
                        throw new IllegalArgumentException("model archive " + archive + " expands to more than "
                                + MAX_EXTRACTED_BYTES + " bytes");
                    }
                    Files.createDirectories(dest.getParent());
                    Files.copy(tar, dest, StandardCopyOption.REPLACE_EXISTING);
                }
                // Links, devices and FIFOs carry no model data and are skipped.
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot extract model archive " + archive + ": " + e.getMessage(), e);
        }
    }
}
