package dev.sluice.autoscaler;

import dev.sluice.core.InferenceService;
import java.net.URI;
import java.util.Objects;

/**
 * One serving instance of a variant, as a {@link CapacityProvider} hands it out: either a remote host reached over
 * HTTP (a child process, a Kubernetes pod) or a service in this JVM. The id is unique within its provider and is
 * what {@link CapacityProvider#remove} is keyed by.
 */
public sealed interface Instance permits Instance.Remote, Instance.InProcess {
    String id();

    VariantKey variant();

    /** A host speaking the SageMaker container contract ({@code /ping}, {@code /invocations}) at {@code uri}. */
    record Remote(String id, VariantKey variant, URI uri) implements Instance {
        public Remote {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(variant, "variant");
            Objects.requireNonNull(uri, "uri");
        }
    }

    /** A runner set in this JVM, invoked directly. */
    record InProcess(String id, VariantKey variant, InferenceService service) implements Instance {
        public InProcess {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(variant, "variant");
            Objects.requireNonNull(service, "service");
        }
    }
}
