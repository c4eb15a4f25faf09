package dev.sluice.autoscaler;

/** A scaling activity's {@code StatusCode}. Sluice records InProgress, Successful and Failed. */
public enum ActivityStatus {
    PENDING("Pending"),
    IN_PROGRESS("InProgress"),
    SUCCESSFUL("Successful"),
    OVERRIDDEN("Overridden"),
    UNFULFILLED("Unfulfilled"),
    FAILED("Failed");

    private final String awsName;

    ActivityStatus(String awsName) {
        this.awsName = awsName;
    }

    public String awsName() {
        return awsName;
    }
}
