package dev.sluice.recommender;

/**
 * The recommended configuration deployed again after the search and measured at its recommended load: the check that
 * the answer holds outside the step that produced it.
 *
 * @param ratePerSecond the per-instance load it was measured at: MaxInvocations, or the requested maximum divided by
 *                      InitialInstanceCount when that is lower
 * @param step          the measurement; null when deploying failed
 * @param meetsSla      whether the measurement met the SLA
 * @param error         why it could not be measured, or null
 */
public record Verification(String recommendationId, String instanceType, double ratePerSecond, LoadStep step,
                           Long modelSetupTimeMillis, boolean meetsSla, String error) {
}
