package dev.sluice.variants;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.ErrorCode;
import dev.sluice.variants.AlarmRule.Metric;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlarmRuleTest {

    @Test
    void parsesInlineRules() {
        assertThat(AlarmRule.parseInline("sluice:Invocation5XXErrorRate>0.05@20")).contains(
                new AlarmRule("sluice:Invocation5XXErrorRate>0.05@20", Metric.INVOCATION_5XX_ERROR_RATE, 0.05, 20));
        assertThat(AlarmRule.parseInline("sluice:modellatencyp99>250")).hasValueSatisfying(rule -> {
            assertThat(rule.metric()).isEqualTo(Metric.MODEL_LATENCY_P99);
            assertThat(rule.threshold()).isEqualTo(250.0);
            assertThat(rule.minInvocations()).isEqualTo(AlarmRule.DEFAULT_MIN_INVOCATIONS);
        });
        assertThat(AlarmRule.parseInline("sluice:InvocationModelErrors>0")).hasValueSatisfying(
                rule -> assertThat(rule.metric()).isEqualTo(Metric.MODEL_ERRORS));
    }

    @Test
    void otherAlarmNamesAreNotOurs() {
        assertThat(AlarmRule.parseInline("my-cloudwatch-alarm")).isEmpty();
        assertThat(AlarmRule.parseInline(null)).isEmpty();
    }

    @Test
    void malformedInlineRulesAreRejectedClearly() {
        assertThatThrownBy(() -> AlarmRule.parseInline("sluice:Invocation5XXErrorRate<0.05"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing '>'")
                .hasMessageContaining("sluice:Invocation5XXErrorRate>0.05@20");
        assertThatThrownBy(() -> AlarmRule.parseInline("sluice:Latency>5"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Latency")
                .hasMessageContaining("Invocation5XXErrorRate, Invocation4XXErrorRate, InvocationModelErrorRate, "
                        + "Invocation5XXErrors, InvocationModelErrors, ModelLatencyP99");
        assertThatThrownBy(() -> AlarmRule.parseInline("sluice:ModelLatencyP99>fast"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'fast' is not a number");
        assertThatThrownBy(() -> AlarmRule.parseInline("sluice:ModelLatencyP99>5@many"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minInvocations 'many'");
        assertThatThrownBy(() -> AlarmRule.parseInline("sluice:ModelLatencyP99>NaN"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("finite");
    }

    @Test
    void metricParsingIgnoresCaseAndListsTheAllowedNames() {
        assertThat(Metric.parse("invocation4xxerrorrate")).isEqualTo(Metric.INVOCATION_4XX_ERROR_RATE);
        assertThatThrownBy(() -> Metric.parse("CPUUtilization")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CPUUtilization").hasMessageContaining("ModelLatencyP99");
    }

    @Test
    void breachNeedsEnoughInvocationsAndAValueAboveTheThreshold() {
        AlarmRule rule = new AlarmRule("errors", Metric.INVOCATION_5XX_ERROR_RATE, 0.1, 20);

        assertThat(rule.isBreached(new VariantMetrics.Stats(19, 0, 19, 0, 0))).as("too few invocations").isFalse();
        assertThat(rule.isBreached(new VariantMetrics.Stats(20, 0, 2, 0, 0))).as("exactly at threshold").isFalse();
        assertThat(rule.isBreached(new VariantMetrics.Stats(20, 0, 3, 0, 0))).isTrue();
        assertThat(new AlarmRule("none", Metric.MODEL_ERROR_RATE, 0.0, 0).isBreached(VariantMetrics.Stats.EMPTY))
                .as("a rate over no invocations is 0").isFalse();
    }

    @Test
    void everyMetricReadsItsValue() {
        VariantMetrics.Stats stats = new VariantMetrics.Stats(200, 20, 10, 5, 123.0);
        assertThat(Metric.INVOCATION_5XX_ERROR_RATE.valueOf(stats)).isEqualTo(0.05);
        assertThat(Metric.INVOCATION_4XX_ERROR_RATE.valueOf(stats)).isEqualTo(0.1);
        assertThat(Metric.MODEL_ERROR_RATE.valueOf(stats)).isEqualTo(0.025);
        assertThat(Metric.INVOCATION_5XX_ERRORS.valueOf(stats)).isEqualTo(10);
        assertThat(Metric.MODEL_ERRORS.valueOf(stats)).isEqualTo(5);
        assertThat(Metric.MODEL_LATENCY_P99.valueOf(stats)).isEqualTo(123.0);
    }

    @Test
    void describeNamesAlarmMetricValueAndThreshold() {
        AlarmRule rule = new AlarmRule("sluice:Invocation5XXErrorRate>0.05@20", Metric.INVOCATION_5XX_ERROR_RATE,
                0.05, 20);
        assertThat(rule.describe(new VariantMetrics.Stats(40, 0, 10, 0, 0)))
                .isEqualTo("alarm sluice:Invocation5XXErrorRate>0.05@20 breached: Invocation5XXErrorRate = 0.25"
                        + " > threshold 0.05 over 40 invocations");
    }

    @Test
    void fleetStatsCountsEachPoolOnce() {
        VariantRoute a = Fixtures.route("A", 1, Fixtures.answering("ok"));
        VariantRoute b = Fixtures.route("B", 1, Fixtures.failing(ErrorCode.INTERNAL_FAILURE));
        a.pool().invoke(Fixtures.request());
        b.pool().invoke(Fixtures.request());
        VariantRoute aAgain = new VariantRoute("A2", "m", 1, a.pool());

        assertThat(AlarmRule.fleetStats(List.of(a, b, aAgain)))
                .isEqualTo(new VariantMetrics.Stats(2, 0, 1, 0, 0.0));
    }

    @Test
    void validation() {
        assertThatThrownBy(() -> new AlarmRule(" ", Metric.MODEL_ERRORS, 1, 0)).hasMessageContaining("name");
        assertThatThrownBy(() -> new AlarmRule("x", Metric.MODEL_ERRORS, Double.NaN, 0)).hasMessageContaining("threshold");
        assertThatThrownBy(() -> new AlarmRule("x", Metric.MODEL_ERRORS, 1, -1)).hasMessageContaining("minInvocations");
    }
}
