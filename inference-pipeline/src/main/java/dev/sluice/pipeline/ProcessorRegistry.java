package dev.sluice.pipeline;

import dev.sluice.pipeline.spi.ProcessorProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The processor kinds a pipeline container may name by its {@code Image}: Sluice's built-ins, and — only when a
 * plugins directory is configured — those of the jars in it. No code is loaded from anywhere else: without a plugins
 * directory this registry never creates a class loader.
 *
 * <p>Plugins see Sluice's classes (the SPI, tensors, codecs) through the parent class loader and may not replace a
 * built-in image: a clash is refused at start, so {@code sluice/tokenizer} always means Sluice's tokenizer.
 * Immutable once built; one per server.
 */
public final class ProcessorRegistry implements AutoCloseable {
    private final Map<String, ProcessorProvider> byImage;
    private final URLClassLoader pluginLoader;

    private ProcessorRegistry(Map<String, ProcessorProvider> byImage, URLClassLoader pluginLoader) {
        this.byImage = Collections.unmodifiableMap(byImage);
        this.pluginLoader = pluginLoader;
    }

    /** The built-in processors only. */
    public static ProcessorRegistry builtIn() {
        return new ProcessorRegistry(load(ServiceLoader.load(ProcessorProvider.class,
                ProcessorRegistry.class.getClassLoader()), new TreeMap<>(), "built-in"), null);
    }

    /**
     * The built-ins plus the providers in the jars directly inside {@code pluginsDir}.
     *
     * @throws IllegalArgumentException when the directory does not exist, holds no jar, or a plugin names an image
     *                                  that is already taken
     */
    public static ProcessorRegistry withPlugins(Path pluginsDir) {
        if (!Files.isDirectory(pluginsDir)) {
            throw new IllegalArgumentException("plugins directory " + pluginsDir + " does not exist");
        }
        List<URL> jars = new ArrayList<>();
        try (Stream<Path> entries = Files.list(pluginsDir)) {
            for (Path jar : entries.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".jar"))
                    .filter(Files::isRegularFile).sorted().toList()) {
                jars.add(jar.toUri().toURL());
            }
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("plugins directory " + pluginsDir + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list plugins directory " + pluginsDir, e);
        }
        if (jars.isEmpty()) {
            throw new IllegalArgumentException("plugins directory " + pluginsDir + " holds no .jar files");
        }
        Map<String, ProcessorProvider> providers = load(ServiceLoader.load(ProcessorProvider.class,
                ProcessorRegistry.class.getClassLoader()), new TreeMap<>(), "built-in");
        URLClassLoader loader = new URLClassLoader("sluice-plugins", jars.toArray(URL[]::new),
                ProcessorRegistry.class.getClassLoader());
        try {
            // Only the plugin jars' own providers: ServiceLoader would also list the parent's built-ins again.
            ServiceLoader<ProcessorProvider> plugins = ServiceLoader.load(ProcessorProvider.class, loader);
            Map<String, ProcessorProvider> added = new TreeMap<>();
            for (ServiceLoader.Provider<ProcessorProvider> provider : plugins.stream().toList()) {
                if (provider.type().getClassLoader() != loader) {
                    continue;
                }
                ProcessorProvider instance = provider.get();
                String image = normalise(instance.image());
                if (providers.containsKey(image) || added.containsKey(image)) {
                    throw new IllegalArgumentException("plugin " + provider.type().getName() + " in " + pluginsDir
                            + " names image '" + image + "', which is already provided by "
                            + (providers.containsKey(image) ? providers.get(image) : added.get(image))
                            .getClass().getName());
                }
                added.put(image, instance);
            }
            providers.putAll(added);
            return new ProcessorRegistry(providers, loader);
        } catch (RuntimeException | ServiceConfigurationError e) {
            closeQuietly(loader);
            if (e instanceof ServiceConfigurationError error) {
                throw new IllegalArgumentException("plugins directory " + pluginsDir + ": " + error.getMessage(),
                        error);
            }
            throw e;
        }
    }

    private static Map<String, ProcessorProvider> load(ServiceLoader<ProcessorProvider> loader,
                                                       Map<String, ProcessorProvider> into, String origin) {
        for (ProcessorProvider provider : loader) {
            String image = normalise(provider.image());
            ProcessorProvider previous = into.putIfAbsent(image, provider);
            if (previous != null && previous.getClass() != provider.getClass()) {
                throw new IllegalStateException(origin + " processors " + previous.getClass().getName() + " and "
                        + provider.getClass().getName() + " both name image '" + image + "'");
            }
        }
        return into;
    }

    /** {@code Sluice/Image:1.2} → {@code sluice/image}: tags are ignored, as for any image reference. */
    public static String normalise(String image) {
        String lower = image.trim().toLowerCase(Locale.ROOT);
        int colon = lower.lastIndexOf(':');
        return colon > lower.lastIndexOf('/') ? lower.substring(0, colon) : lower;
    }

    public Optional<ProcessorProvider> find(String image) {
        return image == null ? Optional.empty() : Optional.ofNullable(byImage.get(normalise(image)));
    }

    /** Every image this registry serves, sorted, with its provider. */
    public Map<String, ProcessorProvider> providers() {
        return byImage;
    }

    /** Closes the plugins' class loader, if any. Processors created from it must be closed first. */
    @Override
    public void close() {
        if (pluginLoader != null) {
            closeQuietly(pluginLoader);
        }
    }

    private static void closeQuietly(URLClassLoader loader) {
        try {
            loader.close();
        } catch (IOException ignored) {
            // Nothing to do: the jars stay open until the JVM exits.
        }
    }
}
