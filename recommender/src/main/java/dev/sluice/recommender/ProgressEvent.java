package dev.sluice.recommender;

import java.util.List;

/** What a running recommendation job reports. */
public sealed interface ProgressEvent {
    /**
     * The plan: how many candidates on which gateways.
     *
     * @param instanceTypeSource why the local gateway stands for its instance type
     */
    record Planned(int candidates, InstanceType localInstanceType, String instanceTypeSource, List<String> labels)
            implements ProgressEvent {
        public Planned {
            labels = List.copyOf(labels);
        }
    }

    /** @param index 1-based */
    record CandidateStarted(int index, int total, Candidate candidate, String gateway) implements ProgressEvent {
    }

    record Deployed(Candidate candidate, long setupMillis) implements ProgressEvent {
    }

    record WarmedUp(Candidate candidate, double singleClientRatePerSecond, double p50Millis) implements ProgressEvent {
    }

    record StepMeasured(Candidate candidate, LoadStep step) implements ProgressEvent {
    }

    /** A step that is measured again (the first try is discarded), and why. */
    record StepRepeated(Candidate candidate, LoadStep discarded, String reason) implements ProgressEvent {
    }

    record CandidateFinished(int index, int total, Recommendation result) implements ProgressEvent {
    }

    record CandidateSkipped(int index, int total, Candidate candidate, String reason) implements ProgressEvent {
    }

    record VerificationStarted(Recommendation recommendation, double ratePerSecond) implements ProgressEvent {
    }

    record VerificationFinished(Verification verification) implements ProgressEvent {
    }
}
