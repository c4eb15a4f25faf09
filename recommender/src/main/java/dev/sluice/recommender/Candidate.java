package dev.sluice.recommender;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One serving configuration to measure on one instance type: an artifact, its runners and batching.
 *
 * @param workers        runner threads ({@code SAGEMAKER_MODEL_SERVER_WORKERS}), each with its own session
 * @param intraOpThreads ONNX Runtime intra-op threads per runner ({@code SLUICE_INTRA_OP_THREADS})
 */
public record Candidate(ArtifactVariant artifact, int workers, int intraOpThreads, BatchingChoice batching,
                        InstanceType instanceType) {
    /** Environment keys the Sluice images read (gateway's HostInstanceProvider); the rest are pipeline options. */
    public static final String ENV_WORKERS = "SAGEMAKER_MODEL_SERVER_WORKERS";
    public static final String ENV_INTRA_OP_THREADS = "SLUICE_INTRA_OP_THREADS";
    public static final String ENV_BATCHING = "SLUICE_BATCHING";
    public static final String ENV_MAX_BATCH_SIZE = "SLUICE_MAX_BATCH_SIZE";
    public static final String ENV_MAX_BATCH_DELAY_MS = "SLUICE_MAX_BATCH_DELAY_MS";

    public Candidate {
        Objects.requireNonNull(artifact, "artifact");
        Objects.requireNonNull(batching, "batching");
        Objects.requireNonNull(instanceType, "instanceType");
        if (workers < 1 || workers > 256) {
            throw new IllegalArgumentException("workers must be in [1, 256], got " + workers);
        }
        if (intraOpThreads < 1 || intraOpThreads > 256) {
            throw new IllegalArgumentException("intraOpThreads must be in [1, 256], got " + intraOpThreads);
        }
    }

    /** A short, stable label: {@code w2-t1-off}, {@code int8/w1-t2-8@2ms}. */
    public String label() {
        String runners = "w" + workers + "-t" + intraOpThreads + "-" + batching.label();
        return artifact.name().equals(ArtifactVariant.ORIGINAL) ? runners : artifact.name() + "/" + runners;
    }

    /**
     * The container environment that deploys this candidate: the model's own keys, the keys it wants only without
     * batching, then the runner and batching keys (which win).
     */
    public Map<String, String> environment(ModelUnderTest model) {
        Map<String, String> env = new LinkedHashMap<>(model.environment());
        if (!batching.enabled()) {
            env.putAll(model.unbatchedEnvironment());
        }
        env.put(ENV_WORKERS, Integer.toString(workers));
        env.put(ENV_INTRA_OP_THREADS, Integer.toString(intraOpThreads));
        env.put(ENV_BATCHING, Boolean.toString(batching.enabled()));
        if (batching.enabled()) {
            env.put(ENV_MAX_BATCH_SIZE, Integer.toString(batching.maxBatchSize()));
            env.put(ENV_MAX_BATCH_DELAY_MS, Format.number(batching.maxDelayMillis()));
        }
        return env;
    }

    public Candidate onInstanceType(InstanceType type, int scaledWorkers) {
        return new Candidate(artifact, scaledWorkers, intraOpThreads, batching, type);
    }
}
