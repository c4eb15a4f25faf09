package dev.sluice.recommender;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One recommendation job (SageMaker's CreateInferenceRecommendationsJob, Advanced): the model, what to vary, how to
 * load it, when a configuration is good enough, and where to run it.
 *
 * @param jobName           the job's name (SageMaker's rule: 1-64 of {@code [a-zA-Z0-9](-*[a-zA-Z0-9])*})
 * @param localInstanceType the catalog type the local gateway stands for; null picks the type with this machine's
 *                          vCPUs and architecture
 * @param hosts             remote Sluice gateways (each with its instance type) that run the grid too
 */
public record RecommendRequest(String jobName, ModelUnderTest model, CandidateGrid grid, TrafficPattern traffic,
                               StoppingConditions stopping, InstanceCatalog catalog, String localInstanceType,
                               List<Gateway> hosts, Options options) {
    private static final Pattern JOB_NAME = Pattern.compile("[a-zA-Z0-9](-*[a-zA-Z0-9])*");

    public RecommendRequest {
        Objects.requireNonNull(jobName, "jobName");
        if (jobName.length() > 64 || !JOB_NAME.matcher(jobName).matches()) {
            throw new IllegalArgumentException("jobName '" + jobName
                    + "' must be 1-64 characters matching [a-zA-Z0-9](-*[a-zA-Z0-9])*");
        }
        Objects.requireNonNull(model, "model");
        grid = grid == null ? CandidateGrid.defaults() : grid;
        traffic = traffic == null ? TrafficPattern.Stairs.defaults() : traffic;
        stopping = stopping == null ? StoppingConditions.of(null, 0) : stopping;
        catalog = catalog == null ? InstanceCatalog.defaults() : catalog;
        hosts = hosts == null ? List.of() : List.copyOf(hosts);
        for (Gateway host : hosts) {
            if (host.instanceType() == null) {
                throw new IllegalArgumentException("host " + host.adminUrl() + " must declare its instanceType");
            }
            catalog.require(host.instanceType());
        }
        if (localInstanceType != null) {
            catalog.require(localInstanceType);
        }
        options = options == null ? Options.defaults() : options;
    }

    /**
     * How the job runs.
     *
     * @param verify          deploy the recommendation again at the end and measure it at its recommended load
     * @param verifyDuration  how long the verification offers that load
     * @param estimate        add estimated rows for catalog types no gateway measured
     * @param warmUp          one client sending back to back before the steps (JIT, caches, first-run costs)
     * @param maxInFlight     the load generator's bound on outstanding requests
     * @param requestTimeout  after this a request counts as failed
     * @param setupTimeout    how long an endpoint may take to become InService
     * @param timeBudget      the whole job's budget: candidates that would not fit are skipped (reported as such)
     * @param headroom        the share of the highest confirmed rate kept in reserve: MaxInvocations is
     *                        {@code (1 - headroom)} times it, and everything sized from MaxInvocations (instance count,
     *                        cost per inference, the verification's load) inherits the margin
     */
    public record Options(boolean verify, Duration verifyDuration, boolean estimate, Duration warmUp, int maxInFlight,
                          Duration requestTimeout, Duration setupTimeout, Duration timeBudget, double headroom) {
        public static final Duration DEFAULT_VERIFY_DURATION = Duration.ofSeconds(15);
        public static final Duration DEFAULT_WARM_UP = Duration.ofSeconds(2);
        public static final int DEFAULT_MAX_IN_FLIGHT = 256;
        public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
        public static final Duration DEFAULT_SETUP_TIMEOUT = Duration.ofMinutes(5);
        /** Under ten minutes for the whole command, start and report included (the budget). */
        public static final Duration DEFAULT_TIME_BUDGET = Duration.ofMinutes(9);
        /**
         * 20 %: the highest confirmed rate is where the queue is about to grow, so a machine a little slower than
         * during its few seconds of measurement (a noisy neighbour, a longer run, a GC) already misses the SLA there.
         * AWS sizes autoscaling targets the same way (invocations per instance = maximum × a safety factor, 0.5 in
         * its examples); 0.8 of the maximum is the sizing margin here, and {@code --headroom 0} reports the raw
         * maximum.
         */
        public static final double DEFAULT_HEADROOM = 0.2;

        public Options {
            positive("verifyDuration", verifyDuration);
            Objects.requireNonNull(warmUp, "warmUp");
            if (warmUp.isNegative()) {
                throw new IllegalArgumentException("warmUp must not be negative, got " + warmUp);
            }
            if (maxInFlight < 1 || maxInFlight > 100_000) {
                throw new IllegalArgumentException("maxInFlight must be in [1, 100000], got " + maxInFlight);
            }
            positive("requestTimeout", requestTimeout);
            positive("setupTimeout", setupTimeout);
            positive("timeBudget", timeBudget);
            if (!(headroom >= 0) || headroom > 0.9) {
                throw new IllegalArgumentException("headroom must be in [0, 0.9], got " + headroom);
            }
        }

        /** MaxInvocations from the highest confirmed rate per minute. */
        public long derate(long measuredPerMinute) {
            return (long) Math.floor(measuredPerMinute * (1 - headroom) + 1e-6);
        }

        /** The rate (per minute) a search must confirm for MaxInvocations to reach {@code perMinute}. */
        public long undoDerate(long perMinute) {
            return (long) Math.ceil(perMinute / (1 - headroom) - 1e-6);
        }

        public static Options defaults() {
            return new Options(true, DEFAULT_VERIFY_DURATION, true, DEFAULT_WARM_UP, DEFAULT_MAX_IN_FLIGHT,
                    DEFAULT_REQUEST_TIMEOUT, DEFAULT_SETUP_TIMEOUT, DEFAULT_TIME_BUDGET, DEFAULT_HEADROOM);
        }

        private static void positive(String field, Duration d) {
            Objects.requireNonNull(d, field);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(field + " must be positive, got " + d);
            }
        }
    }
}
