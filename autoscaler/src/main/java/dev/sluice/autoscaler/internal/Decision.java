package dev.sluice.autoscaler.internal;

import java.time.Duration;

/**
 * What one policy wants at one evaluation. Application Auto Scaling's combination rule: scale out if any policy wants
 * out (to the largest capacity), scale in only if some policy wants in and none holds (to the largest, i.e. the
 * gentlest, capacity). A policy that cannot scale in (DisableScaleIn, a step policy whose alarm is quiet) abstains
 * rather than holds, so it does not veto the others.
 *
 * @param cooldown the cooldown to start, in this decision's direction, once the activity it causes completes
 */
public record Decision(Kind kind, int desired, String policyName, String cause, String detail, Duration cooldown) {
    public enum Kind { OUT, IN, HOLD, ABSTAIN }

    public static final Decision HOLD = new Decision(Kind.HOLD, -1, null, "", "", Duration.ZERO);
    public static final Decision ABSTAIN = new Decision(Kind.ABSTAIN, -1, null, "", "", Duration.ZERO);
}
