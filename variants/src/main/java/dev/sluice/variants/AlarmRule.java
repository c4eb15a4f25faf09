package dev.sluice.variants;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A deployment guardrail: SageMaker rolls a blue/green update back when a CloudWatch alarm named in
 * {@code AutoRollbackConfiguration} fires during baking; Sluice evaluates the equivalent rule on the new fleet's
 * own metrics. Rates are fractions in [0, 1], latency is in milliseconds.
 *
 * @param name           what the rollback reason calls it (for inline rules, the alarm name itself)
 * @param minInvocations the rule holds its fire until the fleet has served this many requests, so one early
 *                       failure does not read as a 100% error rate
 */
public record AlarmRule(String name, Metric metric, double threshold, long minInvocations) {
    /** Alarm names with this prefix are rules written inline, e.g. {@code sluice:Invocation5XXErrorRate>0.05@20}. */
    public static final String INLINE_PREFIX = "sluice:";
    public static final long DEFAULT_MIN_INVOCATIONS = 1;

    public AlarmRule {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(metric, "metric");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        if (!Double.isFinite(threshold)) {
            throw new IllegalArgumentException("threshold must be finite, got: " + threshold);
        }
        if (minInvocations < 0) {
            throw new IllegalArgumentException("minInvocations must be >= 0, got: " + minInvocations);
        }
    }

    /** The metrics a rule can watch, under the names an alarm uses. */
    public enum Metric {
        INVOCATION_5XX_ERROR_RATE("Invocation5XXErrorRate"),
        INVOCATION_4XX_ERROR_RATE("Invocation4XXErrorRate"),
        MODEL_ERROR_RATE("InvocationModelErrorRate"),
        INVOCATION_5XX_ERRORS("Invocation5XXErrors"),
        MODEL_ERRORS("InvocationModelErrors"),
        MODEL_LATENCY_P99("ModelLatencyP99");

        private final String metricName;

        Metric(String metricName) {
            this.metricName = metricName;
        }

        public String metricName() {
            return metricName;
        }

        /** The metric's value in a fleet's stats; a rate over no invocations is 0. */
        public double valueOf(VariantMetrics.Stats stats) {
            return switch (this) {
                case INVOCATION_5XX_ERROR_RATE -> rate(stats.errors5xx(), stats.invocations());
                case INVOCATION_4XX_ERROR_RATE -> rate(stats.errors4xx(), stats.invocations());
                case MODEL_ERROR_RATE -> rate(stats.modelErrors(), stats.invocations());
                case INVOCATION_5XX_ERRORS -> stats.errors5xx();
                case MODEL_ERRORS -> stats.modelErrors();
                case MODEL_LATENCY_P99 -> stats.modelLatencyP99Millis();
            };
        }

        /**
         * @throws IllegalArgumentException naming the allowed metric names
         */
        public static Metric parse(String metricName) {
            Objects.requireNonNull(metricName, "metricName");
            String wanted = metricName.strip();
            for (Metric metric : values()) {
                if (metric.metricName.equalsIgnoreCase(wanted)) {
                    return metric;
                }
            }
            throw new IllegalArgumentException("unknown alarm metric '" + metricName + "'; allowed: "
                    + Arrays.stream(values()).map(Metric::metricName).collect(Collectors.joining(", ")));
        }

        private static double rate(long count, long invocations) {
            return invocations == 0 ? 0.0 : (double) count / invocations;
        }
    }

    public double value(VariantMetrics.Stats stats) {
        return metric.valueOf(stats);
    }

    /** Breached when the fleet has served at least {@code minInvocations} and the value exceeds the threshold. */
    public boolean isBreached(VariantMetrics.Stats fleetStats) {
        Objects.requireNonNull(fleetStats, "fleetStats");
        return fleetStats.invocations() >= minInvocations && value(fleetStats) > threshold;
    }

    /**
     * Reads a rule from an alarm name of the form {@code sluice:<Metric>><threshold>[@<minInvocations>]}, so an
     * operator with nothing but the AWS SDK can state a guardrail in {@code AutoRollbackConfiguration.Alarms}.
     *
     * @return empty when the name does not start with {@code sluice:} (a CloudWatch alarm Sluice cannot see)
     * @throws IllegalArgumentException when it does but is malformed, saying what is wrong
     */
    public static Optional<AlarmRule> parseInline(String alarmName) {
        if (alarmName == null || !alarmName.regionMatches(true, 0, INLINE_PREFIX, 0, INLINE_PREFIX.length())) {
            return Optional.empty();
        }
        String body = alarmName.substring(INLINE_PREFIX.length());
        String expected = "expected sluice:<Metric>><threshold>[@<minInvocations>], e.g. "
                + "sluice:Invocation5XXErrorRate>0.05@20";
        int operator = body.indexOf('>');
        if (operator < 0) {
            throw new IllegalArgumentException("alarm " + alarmName + ": missing '>'; " + expected);
        }
        Metric metric;
        try {
            metric = Metric.parse(body.substring(0, operator));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("alarm " + alarmName + ": " + e.getMessage(), e);
        }
        String rest = body.substring(operator + 1);
        int at = rest.indexOf('@');
        String thresholdText = (at < 0 ? rest : rest.substring(0, at)).strip();
        double threshold;
        try {
            threshold = Double.parseDouble(thresholdText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("alarm " + alarmName + ": threshold '" + thresholdText
                    + "' is not a number; " + expected, e);
        }
        if (!Double.isFinite(threshold)) {
            throw new IllegalArgumentException("alarm " + alarmName + ": threshold must be finite; " + expected);
        }
        long minInvocations = DEFAULT_MIN_INVOCATIONS;
        if (at >= 0) {
            String minText = rest.substring(at + 1).strip();
            try {
                minInvocations = Long.parseLong(minText);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("alarm " + alarmName + ": minInvocations '" + minText
                        + "' is not a whole number; " + expected, e);
            }
            if (minInvocations < 0) {
                throw new IllegalArgumentException("alarm " + alarmName + ": minInvocations must be >= 0");
            }
        }
        return Optional.of(new AlarmRule(alarmName, metric, threshold, minInvocations));
    }

    /** The combined stats of a fleet's variants, each pool counted once (see {@link VariantMetrics.Stats#combine}). */
    public static VariantMetrics.Stats fleetStats(Collection<VariantRoute> fleet) {
        Map<VariantMetrics, Boolean> seen = new IdentityHashMap<>();
        List<VariantMetrics.Stats> stats = new ArrayList<>();
        for (VariantRoute route : fleet) {
            VariantMetrics metrics = route.pool().metrics();
            if (seen.put(metrics, Boolean.TRUE) == null) {
                stats.add(metrics.stats());
            }
        }
        return VariantMetrics.Stats.combine(stats);
    }

    /** Same as {@link VariantMetrics.Stats#combine}. */
    public static VariantMetrics.Stats combine(Collection<VariantMetrics.Stats> stats) {
        return VariantMetrics.Stats.combine(stats);
    }

    /** A line for logs and rollback reasons. */
    public String describe(VariantMetrics.Stats stats) {
        return "alarm " + name + " breached: " + metric.metricName() + " = " + format(value(stats))
                + " > threshold " + format(threshold) + " over " + stats.invocations() + " invocations";
    }

    private static String format(double value) {
        return new BigDecimal(value).round(new MathContext(6)).stripTrailingZeros().toPlainString();
    }
}
