package dev.sluice.recommender;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Estimated rows for catalog types that no gateway measured, by one stated model (also printed in the report):
 *
 * <ul>
 *   <li>Only CPU-only types of an architecture that <em>was</em> measured are estimated, each from the best measured
 *   configuration (rank 1) of that architecture. Other architectures and accelerators are not guessed: measure them
 *   with {@code --hosts}.</li>
 *   <li>Throughput scales with vCPUs sub-linearly: {@code MaxInvocations_T = MaxInvocations_M × (vCPU_T / vCPU_M)^0.9}.
 *   The exponent below 1 stands for what more cores share (memory bandwidth, caches, the network stack); it is an
 *   assumption, not a measurement. Per-core speed is taken as equal within an architecture (newer generations such as
 *   c6i or c7g are usually faster per core, so the estimate is conservative for them).</li>
 *   <li>Runners scale with the vCPUs ({@code workers × vCPU_T / vCPU_M}, at least 1), intra-op threads stay; latency
 *   percentiles and CPU utilisation are those measured (each core does the same work per request).</li>
 *   <li>Memory stays the measured bytes (a lower bound: more runners hold more sessions); a type where that is above
 *   90 % of its memory does not meet the SLA.</li>
 * </ul>
 */
public final class Estimator {
    public static final double SCALING_EXPONENT = 0.9;
    static final double MEMORY_HEADROOM = 0.9;
    public static final String MODEL = "Estimated rows scale the best measured configuration of the same architecture "
            + "(CPU-only types only): MaxInvocations x (vCPUs of the type / vCPUs measured)^" + SCALING_EXPONENT
            + ", runners scaled with the vCPUs, latency and CPU utilisation as measured, memory as measured (a lower "
            + "bound). Per-core speed is assumed equal within an architecture; other architectures and accelerated "
            + "types are not estimated. This is a model, not a measurement: measure a type with --hosts to know.";

    private Estimator() {
    }

    /**
     * @param measured      measured rows, ranked ({@link CostModel#rank})
     * @param measuredTypes instance types some gateway measured (never estimated)
     * @param maxRpm        the requested maximum load (0: none)
     */
    public static List<Recommendation> estimate(List<Recommendation> measured, InstanceCatalog catalog,
                                                Set<String> measuredTypes, long maxRpm) {
        Map<String, Recommendation> bestByArch = new LinkedHashMap<>();
        for (Recommendation r : measured) {
            if (r.rank() != null && !r.estimated() && !r.instanceType().hasAccelerator()) {
                bestByArch.merge(r.instanceType().arch(), r, (a, b) -> a.rank() <= b.rank() ? a : b);
            }
        }
        List<Recommendation> out = new ArrayList<>();
        Set<String> done = new HashSet<>(measuredTypes);
        for (InstanceType type : catalog.instanceTypes()) {
            if (type.hasAccelerator() || done.contains(type.name())) {
                continue;
            }
            Recommendation source = bestByArch.get(type.arch());
            if (source == null) {
                continue;
            }
            done.add(type.name());
            out.add(scale(source, type, maxRpm));
        }
        return out;
    }

    static Recommendation scale(Recommendation source, InstanceType type, long maxRpm) {
        InstanceType from = source.instanceType();
        double ratio = (double) type.vCpus() / from.vCpus();
        double scale = Math.pow(ratio, SCALING_EXPONENT);
        long maxInvocations = (long) Math.floor(source.metrics().maxInvocations() * scale);
        long measured = (long) Math.floor(source.metrics().maxInvocationsMeasured() * scale);
        Candidate c = source.candidate();
        int workers = Math.max(1, (int) Math.round(c.workers() * ratio));
        Candidate scaled = c.onInstanceType(type, workers);
        Map<String, String> env = new LinkedHashMap<>(source.environment());
        env.put(Candidate.ENV_WORKERS, Integer.toString(workers));
        Metrics m = source.metrics();
        Double memoryUtilization = m.memoryBytes() == null ? null : 100.0 * m.memoryBytes() / type.memoryBytes();
        boolean fits = m.memoryBytes() == null || m.memoryBytes() <= MEMORY_HEADROOM * type.memoryBytes();
        int count = CostModel.initialInstanceCount(maxRpm, maxInvocations);
        Metrics metrics = new Metrics(type.pricePerHour(), CostModel.costPerHour(type.pricePerHour(), count),
                CostModel.costPerInference(type.pricePerHour(), maxInvocations), maxInvocations, measured,
                m.modelLatencyMillis(), m.p50Millis(), m.p95Millis(), m.p99Millis(), m.cpuUtilization(),
                memoryUtilization, m.memoryBytes(), null);
        return new Recommendation(type.name() + "/" + scaled.label(), null, true, source.recommendationId(),
                fits && maxInvocations > 0, scaled, env, count, metrics, List.of(), source.stoppedBy(), null,
                fits ? null : "the measured memory does not fit in " + type.memoryGiB() + " GiB");
    }
}
