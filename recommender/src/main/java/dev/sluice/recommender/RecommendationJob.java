package dev.sluice.recommender;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A recommendation job running in the background (what a control plane's CreateInferenceRecommendationsJob starts):
 * its result, its status in SageMaker's words, and a way to stop it. Stopping ends the current load step early,
 * deletes the candidate's endpoint and completes the result with a {@code STOPPED} report of what was measured.
 */
public final class RecommendationJob {
    private final String jobName;
    private final CompletableFuture<RecommendationReport> result;
    private final AtomicBoolean stopRequested;

    RecommendationJob(String jobName, CompletableFuture<RecommendationReport> result, AtomicBoolean stopRequested) {
        this.jobName = jobName;
        this.result = result;
        this.stopRequested = stopRequested;
    }

    public String jobName() {
        return jobName;
    }

    public CompletableFuture<RecommendationReport> result() {
        return result;
    }

    /** StopInferenceRecommendationsJob. */
    public void stop() {
        stopRequested.set(true);
    }

    /** {@code IN_PROGRESS}, {@code STOPPING}, {@code COMPLETED}, {@code STOPPED} or {@code FAILED}. */
    public String status() {
        if (!result.isDone()) {
            return stopRequested.get() ? "STOPPING" : "IN_PROGRESS";
        }
        if (result.isCompletedExceptionally()) {
            return "FAILED";
        }
        return result.join().status();
    }
}
