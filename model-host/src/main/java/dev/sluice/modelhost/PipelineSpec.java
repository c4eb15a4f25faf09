package dev.sluice.modelhost;

import dev.sluice.core.InferenceService;
import dev.sluice.core.config.ModelConfig;
import dev.sluice.pipeline.ContainerPipeline;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A multi-container model for {@link ModelHost#loadPipeline}: SageMaker's inference pipeline with its containers in
 * order.
 *
 * @param name       the model's name, as clients and meters see it
 * @param hostName   unique among the host's models: its model containers load as {@code <hostName>-c<N>}; null
 *                   means {@code name}
 * @param mode       Serial or Direct
 * @param containers 1–15 containers; hostnames unique
 */
public record PipelineSpec(String name, String hostName, ContainerPipeline.Mode mode, List<Container> containers) {

    public PipelineSpec {
        Objects.requireNonNull(name, "name");
        hostName = hostName == null ? name : hostName;
        Objects.requireNonNull(mode, "mode");
        containers = List.copyOf(containers);
        if (containers.isEmpty() || containers.size() > ContainerPipeline.MAX_CONTAINERS) {
            throw new IllegalArgumentException("pipeline '" + name + "' needs 1 to "
                    + ContainerPipeline.MAX_CONTAINERS + " containers, got " + containers.size());
        }
    }

    /** One container, by kind. */
    public sealed interface Container permits Processor, Model, Remote {
        String hostname();
    }

    /**
     * A processor container.
     *
     * @param image       selects the processor ({@code sluice/tokenizer}, a plugin's image)
     * @param source      the container's ModelDataUrl (a directory, {@code .tar.gz}, {@code s3://} URL or
     *                    {@code builtin:minilm}) holding its files, or null
     * @param environment its options
     */
    public record Processor(String hostname, String image, String source, Map<String, String> environment)
            implements Container {
        public Processor {
            Objects.requireNonNull(hostname, "hostname");
            Objects.requireNonNull(image, "image");
            environment = environment == null ? Map.of() : Map.copyOf(environment);
        }
    }

    /**
     * An ONNX model container, loaded like any model (runners, queue, dynamic batcher from {@code config}); the host
     * renames it so it cannot clash with other models.
     */
    public record Model(String hostname, ModelConfig config) implements Container {
        public Model {
            Objects.requireNonNull(hostname, "hostname");
            Objects.requireNonNull(config, "config");
        }
    }

    /** A container reached over HTTP (its client built by the caller). */
    public record Remote(String hostname, InferenceService service) implements Container {
        public Remote {
            Objects.requireNonNull(hostname, "hostname");
            Objects.requireNonNull(service, "service");
        }
    }
}
