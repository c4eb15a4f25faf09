package dev.sluice.gateway.control.internal;

import dev.sluice.variants.ServerlessGate;
import dev.sluice.core.hosting.ModelDefinition;
import dev.sluice.core.hosting.ProductionVariant;
import dev.sluice.gateway.control.InstanceProvider;
import dev.sluice.variants.InstancePool;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One production (or shadow) variant as it runs: its definition, its pool and the instances started for it. Mutable,
 * touched only on the control-plane thread; the data plane sees only the pool.
 */
public final class LiveVariant {
    final ProductionVariant definition;
    final ModelDefinition model;
    final InstancePool pool;
    final boolean shadow;
    final List<InstanceProvider.Started> instances = new ArrayList<>();
    double weight;
    int desiredInstances;
    /** Next instance number, so instance ids stay unique as capacity changes. */
    int nextIndex;
    /** SageMaker VariantStatus while something happens to it (Creating, Updating, ...), else null. */
    String status;
    Instant statusSince;
    /** Serverless variants only: the concurrency cap and scale-from-zero gate on the pool. */
    ServerlessGate serverless;
    /** Serverless variants only: a cold start is in progress (one at a time). */
    boolean coldStarting;

    LiveVariant(ProductionVariant definition, ModelDefinition model, InstancePool pool, boolean shadow, double weight,
                int desiredInstances) {
        this.definition = definition;
        this.model = model;
        this.pool = pool;
        this.shadow = shadow;
        this.weight = weight;
        this.desiredInstances = desiredInstances;
    }

    public String name() {
        return definition.variantName();
    }

    /** The variant's instances as the data plane routes over them (thread-safe to read from anywhere). */
    public InstancePool pool() {
        return pool;
    }

    public int instanceCount() {
        return pool.size();
    }

    public String definitionModelName() {
        return definition.modelName();
    }

    public List<InstanceProvider.Started> startedInstances() {
        return instances;
    }

    public double weightValue() {
        return weight;
    }

    public int desiredInstanceCount() {
        return desiredInstances;
    }

    public void setWeight(double weight) {
        this.weight = weight;
        pool.metrics().setWeight(weight);
    }

    public void setDesired(int count, Instant now) {
        this.desiredInstances = count;
        this.status = "Updating";
        this.statusSince = now;
    }

    public void clearStatus() {
        this.status = null;
        this.statusSince = null;
    }
}
