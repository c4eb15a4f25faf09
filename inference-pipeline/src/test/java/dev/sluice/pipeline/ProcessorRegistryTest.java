package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.codec.CodecRegistry;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.pipeline.spi.ContainerProcessor;
import dev.sluice.pipeline.spi.ProcessorContext;
import dev.sluice.pipeline.spi.ProcessorProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Built-in processors, and plugins compiled here into a real jar and loaded only from a configured directory. */
class ProcessorRegistryTest {
    @TempDir
    Path dir;

    @Test
    void builtInsAreFoundByImageIgnoringTagAndCase() {
        try (ProcessorRegistry registry = ProcessorRegistry.builtIn()) {
            assertThat(registry.providers()).containsKeys("sluice/tokenizer", "sluice/pooling");
            assertThat(registry.find("Sluice/Tokenizer:2.1")).isPresent();
            assertThat(registry.find("acme/upper")).isEmpty();
        }
    }

    @Test
    void aPluginJarAddsAProcessorOnlyWhenItsDirectoryIsConfigured() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        writePlugin(plugins.resolve("upper.jar"), "acme/upper", "UpperPlugin");

        try (ProcessorRegistry without = ProcessorRegistry.builtIn()) {
            assertThat(without.find("acme/upper")).isEmpty();
        }
        try (ProcessorRegistry with = ProcessorRegistry.withPlugins(plugins)) {
            ProcessorProvider provider = with.find("acme/upper").orElseThrow();
            assertThat(with.find("sluice/tokenizer")).isPresent();
            ContainerProcessor processor = provider.create(new ProcessorContext("up", Map.of(), null,
                    CodecRegistry.standard()));
            Tensor out = processor.process(Map.of("text", Tensor.ofStrings(new long[] {1},
                    new byte[][] {"hello".getBytes(StandardCharsets.UTF_8)}))).get("text");
            assertThat(new String(out.strings()[0], StandardCharsets.UTF_8)).isEqualTo("HELLO");
        }
    }

    @Test
    void aPluginMayNotReplaceABuiltIn() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        writePlugin(plugins.resolve("evil.jar"), "sluice/tokenizer", "EvilPlugin");
        assertThatThrownBy(() -> ProcessorRegistry.withPlugins(plugins))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("names image 'sluice/tokenizer', which is already provided by");
    }

    @Test
    void aMissingOrEmptyPluginsDirectoryIsRefused() throws IOException {
        assertThatThrownBy(() -> ProcessorRegistry.withPlugins(dir.resolve("nope")))
                .hasMessageContaining("does not exist");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThatThrownBy(() -> ProcessorRegistry.withPlugins(empty)).hasMessageContaining("holds no .jar");
    }

    /** Compiles a processor that upper-cases the "text" input and packs it with its service file into a jar. */
    private void writePlugin(Path jar, String image, String className) throws IOException {
        Path src = Files.createDirectories(dir.resolve("src-" + className + "/acme"));
        Path classes = Files.createDirectories(dir.resolve("classes-" + className));
        Files.writeString(src.resolve(className + ".java"), """
                package acme;
                import dev.sluice.core.tensor.*;
                import dev.sluice.pipeline.spi.*;
                import java.util.*;
                public final class %1$s implements ProcessorProvider {
                    public String image() { return "%2$s"; }
                    public String description() { return "upper-cases text"; }
                    public ContainerProcessor create(ProcessorContext context) {
                        return new ContainerProcessor() {
                            public ModelSignature signature() {
                                TensorSpec spec = new TensorSpec("text", DataType.BYTES, new long[] {-1});
                                return new ModelSignature(List.of(spec), List.of(spec));
                            }
                            public Map<String, Tensor> process(Map<String, Tensor> tensors) {
                                byte[][] in = tensors.get("text").strings();
                                byte[][] out = new byte[in.length][];
                                for (int i = 0; i < in.length; i++) {
                                    out[i] = new String(in[i]).toUpperCase().getBytes();
                                }
                                return Map.of("text", Tensor.ofStrings(new long[] {out.length}, out));
                            }
                        };
                    }
                }
                """.formatted(className, image));
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        int rc = compiler.run(null, null, null, "-d", classes.toString(), "-cp", System.getProperty("java.class.path"),
                src.resolve(className + ".java").toString());
        assertThat(rc).isZero();
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            try (Stream<Path> files = Files.walk(classes)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
                    Files.copy(file, out);
                    out.closeEntry();
                }
            }
            out.putNextEntry(new JarEntry("META-INF/services/" + ProcessorProvider.class.getName()));
            OutputStream stream = out;
            stream.write(("acme." + className + "\n").getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
    }
}
