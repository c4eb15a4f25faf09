package dev.sluice.variants;

import dev.sluice.core.InferenceService;
import java.util.Objects;

/**
 * One instance of a production variant: an in-process runner set or a remote host. The id is unique within its
 * {@link InstancePool} and becomes the {@code instance} tag of {@code sluice.instance.invocations}.
 */
public record VariantInstance(String id, InferenceService service) {

    public VariantInstance {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(service, "service");
        if (id.isBlank()) {
            throw new IllegalArgumentException("id must not be blank");
        }
    }
}
