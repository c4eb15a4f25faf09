package dev.sluice.core.artifact;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * The {@code manifest.json} of a compiled artifact: what it was compiled for, the compiled model, how to run it and
 * which passes made it. The compiler writes it at the root of {@code OUT.tar.gz} beside the model; a model host that
 * finds one beside the model it loads checks {@link #checkRunsHere(HostCapabilities)} first and then creates its
 * sessions with {@link #runtime()}.
 *
 * <p>Unknown JSON members are ignored so that an older host reads a newer manifest; {@link #formatVersion} is bumped
 * only when a host must not guess (then it refuses the artifact with a message naming both versions).
 *
 * @param formatVersion {@link #FORMAT_VERSION}
 * @param target        the device or platform compiled for
 * @param model         the compiled model file, its precision, input shapes and digests
 * @param runtime       execution provider and session settings to load it with
 * @param passes        the passes applied, in order ({@code shape-specialisation}, {@code int8-dynamic-quantisation},
 *                      {@code ort-offline-optimisation:extended}, ...)
 * @param compiler      name and version of what compiled it
 * @param createdAt     ISO-8601 instant of compilation
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ArtifactManifest(int formatVersion, ArtifactTarget target, ArtifactModel model, ArtifactRuntime runtime,
                               List<String> passes, String compiler, String createdAt) {
    public static final String FILE_NAME = "manifest.json";
    public static final int FORMAT_VERSION = 1;
    /** A manifest is a few hundred bytes; anything this large in its place is not one. */
    static final int MAX_MANIFEST_BYTES = 1 << 20;

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, false)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public ArtifactManifest {
        if (formatVersion < 1) {
            throw new IllegalArgumentException("artifact manifest: formatVersion must be >= 1, got " + formatVersion);
        }
        if (formatVersion > FORMAT_VERSION) {
            throw new IllegalArgumentException("artifact manifest: formatVersion " + formatVersion
                    + " is newer than this Sluice understands (" + FORMAT_VERSION + "); upgrade the host");
        }
        Objects.requireNonNull(target, "artifact manifest: target");
        Objects.requireNonNull(model, "artifact manifest: model");
        Objects.requireNonNull(runtime, "artifact manifest: runtime");
        passes = passes == null ? List.of() : List.copyOf(passes);
        compiler = compiler == null ? "" : compiler;
        createdAt = createdAt == null ? "" : createdAt;
        if (target.accelerator().equals(ArtifactTarget.ACCELERATOR_NVIDIA) != runtime.executionProvider()
                .equals(ArtifactRuntime.CUDA)) {
            throw new IllegalArgumentException("artifact manifest: accelerator '" + target.accelerator()
                    + "' does not match execution provider '" + runtime.executionProvider() + "'");
        }
    }

    /** Parses a manifest; {@link IllegalArgumentException} naming what is wrong. */
    public static ArtifactManifest parse(String json) {
        try {
            ArtifactManifest manifest = JSON.readValue(json, ArtifactManifest.class);
            if (manifest == null) {
                throw new IllegalArgumentException("artifact manifest is empty");
            }
            return manifest;
        } catch (JsonProcessingException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
            throw new IllegalArgumentException("not a valid artifact manifest: " + (cause == e
                    ? e.getOriginalMessage() : cause.getMessage()), e);
        }
    }

    /** Reads a {@code manifest.json} file. */
    public static ArtifactManifest read(Path file) {
        try {
            if (Files.size(file) > MAX_MANIFEST_BYTES) {
                throw new IllegalArgumentException(file + " is larger than " + MAX_MANIFEST_BYTES
                        + " bytes; not an artifact manifest");
            }
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read artifact manifest " + file + ": " + e, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Pretty-printed JSON. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the artifact manifest", e);
        }
    }

    /** Writes {@code manifest.json} into {@code dir} and returns the file. */
    public Path write(Path dir) {
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve(FILE_NAME);
            Files.writeString(file, toJson(), StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The manifest in a directory, or beside an ONNX file (a compiled artifact extracted anywhere).
     *
     * @return empty when there is none; an invalid one is an {@link IllegalArgumentException}, never silently skipped
     */
    public static Optional<ArtifactManifest> find(Path dirOrOnnxFile) {
        Objects.requireNonNull(dirOrOnnxFile, "dirOrOnnxFile");
        Path dir = Files.isDirectory(dirOrOnnxFile) ? dirOrOnnxFile : dirOrOnnxFile.toAbsolutePath().getParent();
        if (dir == null) {
            return Optional.empty();
        }
        Path file = dir.resolve(FILE_NAME);
        return Files.isRegularFile(file) ? Optional.of(read(file)) : Optional.empty();
    }

    /**
     * {@link #find(Path)}, and for a {@code .tar.gz}/{@code .tgz}/{@code .tar} the {@code manifest.json} entry at the
     * archive's root, read straight from the stream without extracting anything else.
     */
    public static Optional<ArtifactManifest> peek(Path artifact) {
        Objects.requireNonNull(artifact, "artifact");
        String name = artifact.getFileName() == null ? "" : artifact.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean gzip = name.endsWith(".tar.gz") || name.endsWith(".tgz");
        if (!Files.isRegularFile(artifact) || !(gzip || name.endsWith(".tar"))) {
            return find(artifact);
        }
        try (InputStream file = new BufferedInputStream(Files.newInputStream(artifact));
             InputStream raw = gzip ? GzipCompressorInputStream.builder().setInputStream(file).get() : file;
             TarArchiveInputStream tar = new TarArchiveInputStream(raw)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String entryName = entry.getName();
                while (entryName.startsWith("./")) {
                    entryName = entryName.substring(2);
                }
                if (entry.isFile() && entryName.equals(FILE_NAME)) {
                    if (entry.getSize() > MAX_MANIFEST_BYTES) {
                        throw new IllegalArgumentException(artifact + ": " + FILE_NAME + " is larger than "
                                + MAX_MANIFEST_BYTES + " bytes; not an artifact manifest");
                    }
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) Math.max(0, entry.getSize()));
                    tar.transferTo(bytes);
                    try {
                        return Optional.of(parse(bytes.toString(StandardCharsets.UTF_8)));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(artifact + " (" + FILE_NAME + "): " + e.getMessage(), e);
                    }
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read archive " + artifact + ": " + e, e);
        }
    }

    /** {@link #incompatibility(HostCapabilities)} for this machine. */
    public Optional<String> incompatibility() {
        return incompatibility(HostCapabilities.detect());
    }

    /**
     * Why this artifact cannot run on {@code host}, or empty when it can: a GPU artifact without an NVIDIA GPU and
     * the CUDA provider, another CPU architecture, or missing CPU features. Features are only checked where the
     * host knows them (Linux); an unknown set is not held against the artifact.
     */
    public Optional<String> incompatibility(HostCapabilities host) {
        Objects.requireNonNull(host, "host");
        String what = "artifact compiled for " + target.describe();
        if (target.accelerator().equals(ArtifactTarget.ACCELERATOR_NVIDIA)) {
            if (!host.nvidiaGpu()) {
                return Optional.of(what + " needs an NVIDIA GPU with the CUDA execution provider; this machine has none");
            }
            if (!host.cudaAvailable()) {
                return Optional.of(what + " needs the CUDA execution provider; this machine has an NVIDIA GPU but "
                        + "ONNX Runtime here offers only " + host.executionProviders().stream().sorted().toList()
                        + " (use the onnxruntime_gpu build)");
            }
        }
        if (!target.arch().equals(host.arch())) {
            return Optional.of(what + " cannot run on this " + host.arch() + " machine (it needs " + target.arch()
                    + "); compile it again for " + host.cpuPlatform() + " or a " + host.arch() + " target device");
        }
        if (host.cpuFeaturesKnown()) {
            List<String> missing = new ArrayList<>();
            for (String feature : target.cpuFeatures()) {
                if (!host.cpuFeatures().contains(feature.toLowerCase(Locale.ROOT))) {
                    missing.add(feature);
                }
            }
            if (!missing.isEmpty()) {
                return Optional.of(what + " needs CPU features " + missing + " that this machine lacks; compile it"
                        + " again for " + host.cpuPlatform());
            }
        }
        return Optional.empty();
    }

    /** {@link #checkRunsHere(HostCapabilities)} for this machine. */
    public void checkRunsHere() {
        checkRunsHere(HostCapabilities.detect());
    }

    /** @throws IllegalArgumentException with {@link #incompatibility(HostCapabilities)}'s message */
    public void checkRunsHere(HostCapabilities host) {
        incompatibility(host).ifPresent(why -> {
            throw new IllegalArgumentException(why);
        });
    }
}
