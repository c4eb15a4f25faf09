package dev.sluice.recommender;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which runner and batching settings to measure. Empty {@code workers} or {@code intraOpThreads} lists are chosen per
 * instance type ({@link #autoRunners(int)}); explicit lists are measured as given, every combination.
 */
public record CandidateGrid(List<Integer> workers, List<Integer> intraOpThreads, List<BatchingChoice> batching) {

    public CandidateGrid {
        workers = workers == null ? List.of() : List.copyOf(workers);
        intraOpThreads = intraOpThreads == null ? List.of() : List.copyOf(intraOpThreads);
        batching = batching == null || batching.isEmpty() ? List.of(BatchingChoice.OFF, BatchingChoice.DEFAULT_ON)
                : List.copyOf(new LinkedHashSet<>(batching));
        for (int w : workers) {
            if (w < 1 || w > 256) {
                throw new IllegalArgumentException("workers must be in [1, 256], got " + w);
            }
        }
        for (int t : intraOpThreads) {
            if (t < 1 || t > 256) {
                throw new IllegalArgumentException("intra-op threads must be in [1, 256], got " + t);
            }
        }
    }

    /** Runners chosen per instance type, batching off and on (8 rows, 2 ms). */
    public static CandidateGrid defaults() {
        return new CandidateGrid(List.of(), List.of(), List.of());
    }

    /** Every candidate for these artifacts on this instance type, artifacts outermost. */
    public List<Candidate> candidates(List<ArtifactVariant> artifacts, InstanceType type) {
        List<int[]> runners = runners(type.vCpus());
        List<Candidate> out = new ArrayList<>();
        for (ArtifactVariant artifact : artifacts) {
            for (int[] r : runners) {
                for (BatchingChoice b : batching) {
                    out.add(new Candidate(artifact, r[0], r[1], b, type));
                }
            }
        }
        return out;
    }

    /** (workers, intra-op threads) pairs for a machine with {@code vCpus}. */
    List<int[]> runners(int vCpus) {
        if (workers.isEmpty() && intraOpThreads.isEmpty()) {
            return autoRunners(vCpus);
        }
        List<Integer> ws = workers.isEmpty() ? autoWorkers(vCpus) : workers;
        List<int[]> out = new ArrayList<>();
        for (int w : ws) {
            List<Integer> ts = intraOpThreads.isEmpty() ? List.of(Math.max(1, vCpus / w)) : intraOpThreads;
            for (int t : ts) {
                out.add(new int[] {w, t});
            }
        }
        return out;
    }

    /**
     * The default runner grid: workers from {1, v/2, v}, each with 1 intra-op thread or enough to fill the machine,
     * keeping combinations that use between half and all of the vCPUs (w × t in [v/2, v]). More threads than vCPUs
     * only adds contention; fewer than half leaves most of an instance paid for and idle, so it cannot be the cheapest
     * per inference. On 2 vCPUs that is (1,1), (1,2), (2,1); on 4: (1,4), (2,1), (2,2), (4,1).
     */
    static List<int[]> autoRunners(int vCpus) {
        Set<String> seen = new TreeSet<>();
        List<int[]> out = new ArrayList<>();
        for (int w : autoWorkers(vCpus)) {
            for (int t : new int[] {1, Math.max(1, vCpus / w)}) {
                int used = w * t;
                if (used <= vCpus && 2 * used >= vCpus && seen.add(w + "x" + t)) {
                    out.add(new int[] {w, t});
                }
            }
        }
        return out;
    }

    private static List<Integer> autoWorkers(int vCpus) {
        return List.copyOf(new TreeSet<>(List.of(1, Math.max(1, vCpus / 2), vCpus)));
    }
}
