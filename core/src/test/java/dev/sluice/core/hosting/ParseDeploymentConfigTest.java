package dev.sluice.core.hosting;

import static dev.sluice.core.hosting.HostingFixtures.assertRejected;
import static dev.sluice.core.hosting.HostingFixtures.assertValidation;
import static dev.sluice.core.hosting.HostingFixtures.json;
import static dev.sluice.core.hosting.HostingFixtures.quoted;
import static dev.sluice.core.hosting.HostingFixtures.with;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ParseDeploymentConfigTest {
    private static final String POLICY = "DeploymentConfig.BlueGreenUpdatePolicy.";
    private static final String ROUTING = POLICY + "TrafficRoutingConfiguration.";

    /** The body of an UpdateEndpoint from the Java SDK: a 10% canary that bakes 10 minutes, watched by two alarms. */
    static final ObjectNode CANARY_UPDATE = json("""
            {"EndpointName":"churn","EndpointConfigName":"churn-config-v2","RetainAllVariantProperties":false,
             "DeploymentConfig":{
               "BlueGreenUpdatePolicy":{
                 "TrafficRoutingConfiguration":{"Type":"CANARY","WaitIntervalInSeconds":600,
                   "CanarySize":{"Type":"CAPACITY_PERCENT","Value":10}},
                 "TerminationWaitInSeconds":300,"MaximumExecutionTimeoutInSeconds":3600},
               "AutoRollbackConfiguration":{"Alarms":[{"AlarmName":"churn-5xx"},{"AlarmName":"churn-latency-p99"}]}}}""");

    static final ObjectNode LINEAR = json("""
            {"BlueGreenUpdatePolicy":{"TrafficRoutingConfiguration":{"Type":"LINEAR","WaitIntervalInSeconds":120,
               "LinearStepSize":{"Type":"INSTANCE_COUNT","Value":2}}}}""");

    static final ObjectNode ALL_AT_ONCE = json("""
            {"BlueGreenUpdatePolicy":{"TrafficRoutingConfiguration":{"Type":"ALL_AT_ONCE","WaitIntervalInSeconds":0}}}""");

    private static ObjectNode canary() {
        return (ObjectNode) CANARY_UPDATE.get("DeploymentConfig");
    }

    @Test
    void parsesCanaryWithAlarms() {
        DeploymentConfig config = HostingShapes.parseDeploymentConfig(CANARY_UPDATE.get("DeploymentConfig"));

        assertThat(config.alarmNames()).containsExactly("churn-5xx", "churn-latency-p99");
        assertThat(config.blueGreenUpdatePolicy()).isEqualTo(new BlueGreenUpdatePolicy(BlueGreenUpdatePolicy.CANARY, 600,
                new CapacitySize(CapacitySize.CAPACITY_PERCENT, 10), null, 300, 3600));
    }

    @Test
    void parsesLinear() {
        BlueGreenUpdatePolicy policy = HostingShapes.parseDeploymentConfig(LINEAR).blueGreenUpdatePolicy();
        assertThat(policy.trafficRoutingType()).isEqualTo("LINEAR");
        assertThat(policy.linearStepSize()).isEqualTo(new CapacitySize("INSTANCE_COUNT", 2));
        assertThat(policy.canarySize()).isNull();
    }

    @Test
    void parsesAllAtOnceWithDefaults() {
        DeploymentConfig config = HostingShapes.parseDeploymentConfig(ALL_AT_ONCE);
        assertThat(config.alarmNames()).isEmpty();
        assertThat(config.blueGreenUpdatePolicy().terminationWaitInSeconds()).isZero();
        assertThat(config.blueGreenUpdatePolicy().maximumExecutionTimeoutInSeconds()).isNull();
        assertThat(config.blueGreenUpdatePolicy().canarySize()).isNull();
    }

    @Test
    void absentDeploymentConfigIsNull() {
        assertThat(HostingShapes.parseDeploymentConfig(null)).isNull();
        assertThat(HostingShapes.parseDeploymentConfig(NullNode.getInstance())).isNull();
        assertThat(HostingShapes.parseDeploymentConfig(MissingNode.getInstance())).isNull();
        assertThat(HostingShapes.parseDeploymentConfig(json("{\"EndpointName\":\"e\"}").path("DeploymentConfig"))).isNull();
    }

    // --- policy choice ---

    @Test
    void rollingUpdatesAreNotSupported() {
        ObjectNode rolling = json("""
                {"RollingUpdatePolicy":{"MaximumBatchSize":{"Type":"CAPACITY_PERCENT","Value":25},
                  "WaitIntervalInSeconds":60}}""");
        assertValidation(() -> HostingShapes.parseDeploymentConfig(rolling))
                .isEqualTo("RollingUpdatePolicy is not supported by Sluice; use BlueGreenUpdatePolicy");
    }

    @Test
    void bothPoliciesAreRejected() {
        ObjectNode both = with(canary(), "/RollingUpdatePolicy", "{\"WaitIntervalInSeconds\":60}");
        assertValidation(() -> HostingShapes.parseDeploymentConfig(both))
                .contains("'DeploymentConfig.BlueGreenUpdatePolicy'").contains("'DeploymentConfig.RollingUpdatePolicy'");
    }

    @Test
    void aPolicyIsRequired() {
        assertRejected(() -> HostingShapes.parseDeploymentConfig(json("{\"AutoRollbackConfiguration\":{}}")),
                "DeploymentConfig.BlueGreenUpdatePolicy");
        assertRejected(() -> HostingShapes.parseDeploymentConfig(json("{}")), "DeploymentConfig.BlueGreenUpdatePolicy");
    }

    @Test
    void wrongTypesNameTheMember() {
        assertRejected(() -> HostingShapes.parseDeploymentConfig(HostingFixtures.value("\"CANARY\"")), "DeploymentConfig");
        assertRejected(() -> HostingShapes.parseDeploymentConfig(with(canary(), "/BlueGreenUpdatePolicy", "[]")),
                "DeploymentConfig.BlueGreenUpdatePolicy");
        assertRejected(() -> HostingShapes.parseDeploymentConfig(with(canary(),
                "/BlueGreenUpdatePolicy/TrafficRoutingConfiguration", "\"CANARY\"")), ROUTING.substring(0, ROUTING.length() - 1));
        assertRejected(() -> HostingShapes.parseDeploymentConfig(with(canary(), "/AutoRollbackConfiguration", "[]")),
                "DeploymentConfig.AutoRollbackConfiguration");
        assertRejected(() -> HostingShapes.parseDeploymentConfig(with(canary(), "/AutoRollbackConfiguration/Alarms", "{}")),
                "DeploymentConfig.AutoRollbackConfiguration.Alarms");
        assertRejected(() -> HostingShapes.parseDeploymentConfig(with(canary(), "/AutoRollbackConfiguration/Alarms/0",
                "\"churn-5xx\"")), "DeploymentConfig.AutoRollbackConfiguration.Alarms.1");
    }

    // --- traffic routing ---

    @ParameterizedTest(name = "{0} = {1} -> valid: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            TrafficRoutingConfiguration/WaitIntervalInSeconds    | 0        | true
            TrafficRoutingConfiguration/WaitIntervalInSeconds    | 3600     | true
            TrafficRoutingConfiguration/WaitIntervalInSeconds    | -1       | false
            TrafficRoutingConfiguration/WaitIntervalInSeconds    | 3601     | false
            TrafficRoutingConfiguration/WaitIntervalInSeconds    | null     | false
            TrafficRoutingConfiguration/WaitIntervalInSeconds    | "600"    | false
            TrafficRoutingConfiguration/Type                     | null     | false
            TrafficRoutingConfiguration/Type                     | "canary" | false
            TerminationWaitInSeconds                             | 0        | true
            TerminationWaitInSeconds                             | 3600     | true
            TerminationWaitInSeconds                             | null     | true
            TerminationWaitInSeconds                             | -1       | false
            TerminationWaitInSeconds                             | 3601     | false
            MaximumExecutionTimeoutInSeconds                     | 600      | true
            MaximumExecutionTimeoutInSeconds                     | 28800    | true
            MaximumExecutionTimeoutInSeconds                     | null     | true
            MaximumExecutionTimeoutInSeconds                     | 599      | false
            MaximumExecutionTimeoutInSeconds                     | 28801    | false
            MaximumExecutionTimeoutInSeconds                     | 600.5    | false
            """)
    void policyMember(String member, String json, boolean valid) {
        // No baking or termination wait here, so the timeout bounds are tested alone.
        ObjectNode base = with(with(ALL_AT_ONCE, "/BlueGreenUpdatePolicy/TerminationWaitInSeconds", "0"),
                "/BlueGreenUpdatePolicy/TrafficRoutingConfiguration/WaitIntervalInSeconds", "0");
        ObjectNode config = with(base, "/BlueGreenUpdatePolicy/" + member, json);
        if (valid) {
            assertThat(HostingShapes.parseDeploymentConfig(config)).isNotNull();
        } else {
            assertRejected(() -> HostingShapes.parseDeploymentConfig(config), POLICY + member.replace('/', '.'));
        }
    }

    @Test
    void timeoutMustExceedTheWaitsThePolicyAsksFor() {
        // Canary fixture: wait 600 + termination 300.
        assertRejected(() -> HostingShapes.parseDeploymentConfig(with(canary(),
                "/BlueGreenUpdatePolicy/MaximumExecutionTimeoutInSeconds", "900")),
                POLICY + "MaximumExecutionTimeoutInSeconds");
        assertThat(HostingShapes.parseDeploymentConfig(with(canary(),
                "/BlueGreenUpdatePolicy/MaximumExecutionTimeoutInSeconds", "901"))).isNotNull();
    }

    @Test
    void canarySizeIsRequiredExactlyForCanary() {
        assertValidation(() -> HostingShapes.parseDeploymentConfig(with(canary(),
                "/BlueGreenUpdatePolicy/TrafficRoutingConfiguration/CanarySize", null)))
                .contains("Value null at '" + ROUTING + "CanarySize'").contains("CANARY");
        assertValidation(() -> HostingShapes.parseDeploymentConfig(with(ALL_AT_ONCE,
                "/BlueGreenUpdatePolicy/TrafficRoutingConfiguration/CanarySize", "{\"Type\":\"INSTANCE_COUNT\",\"Value\":1}")))
                .contains("'" + ROUTING + "CanarySize'").contains("must not be given when Type is ALL_AT_ONCE");
        assertRejected(() -> HostingShapes.parseDeploymentConfig(with(canary(),
                "/BlueGreenUpdatePolicy/TrafficRoutingConfiguration/LinearStepSize",
                "{\"Type\":\"CAPACITY_PERCENT\",\"Value\":10}")), ROUTING + "LinearStepSize");
    }

    @Test
    void linearStepSizeIsRequiredExactlyForLinear() {
        assertRejected(() -> HostingShapes.parseDeploymentConfig(with(LINEAR,
                "/BlueGreenUpdatePolicy/TrafficRoutingConfiguration/LinearStepSize", null)), ROUTING + "LinearStepSize");
        assertRejected(() -> HostingShapes.parseDeploymentConfig(with(LINEAR,
                "/BlueGreenUpdatePolicy/TrafficRoutingConfiguration/CanarySize", "{\"Type\":\"INSTANCE_COUNT\",\"Value\":1}")),
                ROUTING + "CanarySize");
        assertRejected(() -> HostingShapes.parseDeploymentConfig(with(ALL_AT_ONCE,
                "/BlueGreenUpdatePolicy/TrafficRoutingConfiguration/LinearStepSize", "{\"Type\":\"INSTANCE_COUNT\",\"Value\":1}")),
                ROUTING + "LinearStepSize");
    }

    // --- capacity sizes ---

    @ParameterizedTest(name = "canary {0} {1} -> valid: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            "CAPACITY_PERCENT" | 0.5  | true
            "CAPACITY_PERCENT" | 50   | true
            "CAPACITY_PERCENT" | 50.5 | false
            "CAPACITY_PERCENT" | 0    | false
            "CAPACITY_PERCENT" | -5   | false
            "INSTANCE_COUNT"   | 1    | true
            "INSTANCE_COUNT"   | 500  | true
            "INSTANCE_COUNT"   | 1.5  | false
            "INSTANCE_COUNT"   | 0    | false
            "INSTANCES"        | 1    | false
            null               | 1    | false
            "INSTANCE_COUNT"   | null | false
            "INSTANCE_COUNT"   | "1"  | false
            """)
    void canarySize(String type, String value, boolean valid) {
        ObjectNode config = with(with(canary(), "/BlueGreenUpdatePolicy/TrafficRoutingConfiguration/CanarySize/Type", type),
                "/BlueGreenUpdatePolicy/TrafficRoutingConfiguration/CanarySize/Value", value);
        if (valid) {
            assertThat(HostingShapes.parseDeploymentConfig(config).blueGreenUpdatePolicy().canarySize()).isNotNull();
        } else {
            assertValidation(() -> HostingShapes.parseDeploymentConfig(config)).contains("'" + ROUTING + "CanarySize.");
        }
    }

    @ParameterizedTest(name = "linear {0} {1} -> valid: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            "CAPACITY_PERCENT" | 10   | true
            "CAPACITY_PERCENT" | 50   | true
            "CAPACITY_PERCENT" | 9.9  | false
            "CAPACITY_PERCENT" | 51   | false
            "INSTANCE_COUNT"   | 1    | true
            "INSTANCE_COUNT"   | 0    | false
            """)
    void linearStepSize(String type, String value, boolean valid) {
        ObjectNode config = with(with(LINEAR, "/BlueGreenUpdatePolicy/TrafficRoutingConfiguration/LinearStepSize/Type", type),
                "/BlueGreenUpdatePolicy/TrafficRoutingConfiguration/LinearStepSize/Value", value);
        if (valid) {
            assertThat(HostingShapes.parseDeploymentConfig(config).blueGreenUpdatePolicy().linearStepSize()).isNotNull();
        } else {
            assertValidation(() -> HostingShapes.parseDeploymentConfig(config)).contains("'" + ROUTING + "LinearStepSize.");
        }
    }

    @Test
    void capacityPercentIsAtMostOneHundred() {
        assertThat(new CapacitySize("CAPACITY_PERCENT", 100).isPercent()).isTrue();
        assertRejected(() -> new CapacitySize("CAPACITY_PERCENT", 100.01), "Value");
        assertRejected(() -> new CapacitySize("CAPACITY_PERCENT", Double.POSITIVE_INFINITY), "Value");
        assertRejected(() -> new CapacitySize(null, 1), "Type");
    }

    // --- alarms ---

    @Test
    void alarmCountLimits() {
        assertThat(HostingShapes.parseDeploymentConfig(withAlarms(10)).alarmNames()).hasSize(10);
        assertValidation(() -> HostingShapes.parseDeploymentConfig(withAlarms(11)))
                .contains("'DeploymentConfig.AutoRollbackConfiguration.Alarms'").contains("less than or equal to 10");
        assertValidation(() -> HostingShapes.parseDeploymentConfig(withAlarms(0)))
                .contains("'DeploymentConfig.AutoRollbackConfiguration.Alarms'").contains("greater than or equal to 1");
        assertThat(HostingShapes.parseDeploymentConfig(with(canary(), "/AutoRollbackConfiguration", "{}")).alarmNames())
                .isEmpty();
    }

    private static ObjectNode withAlarms(int count) {
        ObjectNode config = with(canary(), "/AutoRollbackConfiguration/Alarms", "[]");
        ArrayNode alarms = (ArrayNode) config.at("/AutoRollbackConfiguration/Alarms");
        for (int i = 0; i < count; i++) {
            alarms.addObject().put("AlarmName", "alarm-" + i);
        }
        return config;
    }

    @Test
    void alarmNameLimits() {
        String path = "/AutoRollbackConfiguration/Alarms/1/AlarmName";
        String reported = "DeploymentConfig.AutoRollbackConfiguration.Alarms.2.AlarmName";
        assertThat(HostingShapes.parseDeploymentConfig(with(canary(), path, quoted("a".repeat(255)))).alarmNames().get(1))
                .hasSize(255);
        assertRejected(() -> HostingShapes.parseDeploymentConfig(with(canary(), path, quoted("a".repeat(256)))), reported);
        assertRejected(() -> HostingShapes.parseDeploymentConfig(with(canary(), path, "\"\"")), reported);
        assertRejected(() -> HostingShapes.parseDeploymentConfig(with(canary(), path, "\"   \"")), reported);
        assertRejected(() -> HostingShapes.parseDeploymentConfig(with(canary(), path, null)), reported);
        assertRejected(() -> HostingShapes.parseDeploymentConfig(with(canary(), path, "7")), reported);
        // CloudWatch alarm names may hold spaces and punctuation.
        assertThat(HostingShapes.parseDeploymentConfig(with(canary(), path, "\"p99 latency > 200ms\"")).alarmNames())
                .contains("p99 latency > 200ms");
    }

    // --- the records themselves ---

    @Test
    void recordsValidateWhenBuiltDirectly() {
        BlueGreenUpdatePolicy allAtOnce = new BlueGreenUpdatePolicy("ALL_AT_ONCE", 0, null, null, 0, null);
        assertThat(new DeploymentConfig(allAtOnce, null).alarmNames()).isEmpty();

        assertRejected(() -> new DeploymentConfig(null, List.of()), "DeploymentConfig.BlueGreenUpdatePolicy");
        assertRejected(() -> new DeploymentConfig(allAtOnce, List.of("")),
                "DeploymentConfig.AutoRollbackConfiguration.Alarms.1.AlarmName");
        assertRejected(() -> new BlueGreenUpdatePolicy("CANARY", 0, null, null, 0, null), "TrafficRoutingConfiguration.CanarySize");
        assertRejected(() -> new BlueGreenUpdatePolicy("ALL_AT_ONCE", 3601, null, null, 0, null),
                "TrafficRoutingConfiguration.WaitIntervalInSeconds");
        assertRejected(() -> new BlueGreenUpdatePolicy("ALL_AT_ONCE", 0, null, null, 0, 100), "MaximumExecutionTimeoutInSeconds");
    }
}
