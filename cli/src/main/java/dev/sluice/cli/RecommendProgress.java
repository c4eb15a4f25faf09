package dev.sluice.cli;

import dev.sluice.recommender.LoadStep;
import dev.sluice.recommender.ProgressEvent;
import dev.sluice.recommender.ProgressListener;
import dev.sluice.recommender.Recommendation;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * {@code sluice recommend}'s progress: one line per candidate start, per load step and per result, flushed as they
 * come, so that a terminal, a CI log and a piped file all show where a ten-minute job is.
 */
final class RecommendProgress implements ProgressListener {
    private final PrintWriter out;
    private final long started = System.nanoTime();
    private long candidateStarted;

    RecommendProgress(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void onEvent(ProgressEvent event) {
        switch (event) {
            case ProgressEvent.Planned p -> out.printf("sluice recommend: %d candidates; this machine stands for %s (%s)%n",
                    p.candidates(), p.localInstanceType().name(), p.instanceTypeSource());
            case ProgressEvent.CandidateStarted c -> {
                candidateStarted = System.nanoTime();
                out.printf("[%d/%d] %s %s  (%s elapsed)%n", c.index(), c.total(), c.candidate().instanceType().name(),
                        c.candidate().label(), elapsed(started));
            }
            case ProgressEvent.Deployed d -> out.printf("      deployed in %.1f s%n", d.setupMillis() / 1000.0);
            case ProgressEvent.WarmedUp w -> out.printf(Locale.ROOT,
                    "      warm-up: one client %.0f req/s, p50 %.2f ms%n", w.singleClientRatePerSecond(), w.p50Millis());
            case ProgressEvent.StepMeasured s -> out.println("      " + step(s.step()));
            case ProgressEvent.StepRepeated r -> out.println("      " + step(r.discarded()) + "  (discarded: "
                    + r.reason() + "; measuring again)");
            case ProgressEvent.CandidateFinished f -> {
                Recommendation r = f.result();
                if (r.error() != null) {
                    out.printf("      failed: %s%n", r.error());
                } else {
                    out.printf(Locale.ROOT, "      => MaxInvocations %,d/min, p99 %s ms, %s, stopped by %s (%s)%n",
                            r.metrics().maxInvocations(), ms(r.metrics().p99Millis()),
                            r.metrics().costPerInference() == null ? "no cost"
                                    : String.format(Locale.ROOT, "$%.3f per 1M", r.metrics().costPerInference() * 1e6),
                            r.stoppedBy().wireName(), elapsed(candidateStarted));
                }
            }
            case ProgressEvent.CandidateSkipped s -> out.printf("[%d/%d] %s skipped: %s%n", s.index(), s.total(),
                    s.candidate().label(), s.reason());
            case ProgressEvent.VerificationStarted v -> out.printf(Locale.ROOT,
                    "verify: deploying %s again at %,d invocations/min%n", v.recommendation().recommendationId(),
                    Math.round(v.ratePerSecond() * 60));
            case ProgressEvent.VerificationFinished v -> out.printf("verify: %s  (%s elapsed)%n",
                    v.verification().step() == null ? "could not measure it: " + v.verification().error()
                            : v.verification().meetsSla() ? "the recommendation meets the SLA again"
                            : "the recommendation MISSED the SLA this time", elapsed(started));
        }
        out.flush();
    }

    private static String step(LoadStep s) {
        return String.format(Locale.ROOT, "%-7s %,9d/min  p50 %7s  p95 %7s  p99 %7s ms  errors %d/%d  cpu %s  %s",
                s.kind(), Math.round(s.ratePerSecond() * 60), ms(s.p50Millis()), ms(s.p95Millis()),
                ms(s.p99Millis()), s.errors(), s.requests(),
                s.cpuUtilization() == null ? "-" : String.format(Locale.ROOT, "%.0f%%", s.cpuUtilization()),
                s.passed() ? "meets SLA" : "misses SLA");
    }

    private static String ms(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.2f", v);
    }

    private static String elapsed(long since) {
        long s = (System.nanoTime() - since) / 1_000_000_000L;
        return String.format("%d:%02d", s / 60, s % 60);
    }
}
