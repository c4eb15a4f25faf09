package dev.sluice.pipeline.spi;

/**
 * A kind of processor container, found with {@link java.util.ServiceLoader}: Sluice's built-ins from its own class
 * path, a user's from the jars of the plugins directory (only when one is configured). A pipeline container selects
 * a provider by its {@code Image} ({@code sluice/image}, {@code sluice/tabular}, {@code acme/my-processor}); an image
 * tag ({@code :1.2}) is ignored.
 *
 * <p>Providers are stateless factories; one processor is created per container of a loaded pipeline.
 */
public interface ProcessorProvider {

    /** The image that selects this provider, without a tag, e.g. {@code sluice/image}. */
    String image();

    /** One line for listings and error messages: what it does and its main options. */
    String description();

    /**
     * Creates the processor for one container.
     *
     * @throws IllegalArgumentException when an option is missing or invalid; the message names the Environment key
     *                                  (it becomes a ValidationException on CreateModel)
     */
    ContainerProcessor create(ProcessorContext context);
}
