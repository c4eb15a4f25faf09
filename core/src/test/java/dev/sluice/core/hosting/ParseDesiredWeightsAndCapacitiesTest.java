package dev.sluice.core.hosting;

import static dev.sluice.core.hosting.HostingFixtures.assertRejected;
import static dev.sluice.core.hosting.HostingFixtures.assertValidation;
import static dev.sluice.core.hosting.HostingFixtures.json;
import static dev.sluice.core.hosting.HostingFixtures.with;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ParseDesiredWeightsAndCapacitiesTest {
    /** boto3's update_endpoint_weights_and_capacities shifting traffic to a challenger and scaling it up. */
    static final ObjectNode SHIFT = json("""
            {"EndpointName":"churn",
             "DesiredWeightsAndCapacities":[
               {"VariantName":"AllTraffic","DesiredWeight":0.5},
               {"VariantName":"Challenger","DesiredWeight":0.5,"DesiredInstanceCount":3},
               {"VariantName":"Standby","DesiredInstanceCount":0}]}""");

    @Test
    void parsesEntries() {
        assertThat(HostingShapes.parseDesiredWeightsAndCapacities(SHIFT)).containsExactly(
                new DesiredWeightAndCapacity("AllTraffic", 0.5, null),
                new DesiredWeightAndCapacity("Challenger", 0.5, 3),
                new DesiredWeightAndCapacity("Standby", null, 0));
    }

    @Test
    void entryCountLimits() {
        assertRejected(() -> HostingShapes.parseDesiredWeightsAndCapacities(with(SHIFT, "/DesiredWeightsAndCapacities", null)),
                "DesiredWeightsAndCapacities");
        assertRejected(() -> HostingShapes.parseDesiredWeightsAndCapacities(with(SHIFT, "/DesiredWeightsAndCapacities", "[]")),
                "DesiredWeightsAndCapacities");
        assertThat(HostingShapes.parseDesiredWeightsAndCapacities(withEntries(10))).hasSize(10);
        assertValidation(() -> HostingShapes.parseDesiredWeightsAndCapacities(withEntries(11)))
                .contains("'DesiredWeightsAndCapacities'").contains("less than or equal to 10");
    }

    private static ObjectNode withEntries(int count) {
        ObjectNode request = json("{\"EndpointName\":\"e\",\"DesiredWeightsAndCapacities\":[]}");
        ArrayNode entries = (ArrayNode) request.get("DesiredWeightsAndCapacities");
        for (int i = 0; i < count; i++) {
            entries.addObject().put("VariantName", "v" + i).put("DesiredWeight", 1);
        }
        return request;
    }

    @Test
    void variantNamesAreUnique() {
        assertValidation(() -> HostingShapes.parseDesiredWeightsAndCapacities(with(SHIFT,
                "/DesiredWeightsAndCapacities/2/VariantName", "\"AllTraffic\"")))
                .contains("'DesiredWeightsAndCapacities.3.VariantName'").contains("DesiredWeightsAndCapacities.1.VariantName");
    }

    @Test
    void anEntryNeedsAWeightOrACount() {
        assertValidation(() -> HostingShapes.parseDesiredWeightsAndCapacities(with(SHIFT,
                "/DesiredWeightsAndCapacities/0/DesiredWeight", null)))
                .contains("'DesiredWeightsAndCapacities.1.DesiredWeight'")
                .contains("'DesiredWeightsAndCapacities.1.DesiredInstanceCount'");
    }

    @Test
    void serverlessOnlyUpdatesAreExplained() {
        ObjectNode serverless = with(with(SHIFT, "/DesiredWeightsAndCapacities/0/DesiredWeight", null),
                "/DesiredWeightsAndCapacities/0/ServerlessUpdateConfig", "{\"MaxConcurrency\":10}");
        assertValidation(() -> HostingShapes.parseDesiredWeightsAndCapacities(serverless))
                .contains("'DesiredWeightsAndCapacities.1.ServerlessUpdateConfig' is not supported by Sluice");
        // Beside a weight it is ignored.
        ObjectNode alongside = with(SHIFT, "/DesiredWeightsAndCapacities/0/ServerlessUpdateConfig", "{\"MaxConcurrency\":10}");
        assertThat(HostingShapes.parseDesiredWeightsAndCapacities(alongside)).hasSize(3);
    }

    @ParameterizedTest(name = "{0} = {1} -> valid: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            DesiredWeight        | 0            | true
            DesiredWeight        | 0.0          | true
            DesiredWeight        | 2.5          | true
            DesiredWeight        | -0.001       | false
            DesiredWeight        | "1"          | false
            DesiredInstanceCount | 0            | true
            DesiredInstanceCount | 100          | true
            DesiredInstanceCount | -1           | false
            DesiredInstanceCount | 1.5          | false
            DesiredInstanceCount | true         | false
            VariantName          | "Challenger2" | true
            VariantName          | null         | false
            VariantName          | ""           | false
            VariantName          | "chal_lenger" | false
            VariantName          | 3            | false
            """)
    void entryMember(String member, String json, boolean valid) {
        ObjectNode request = with(SHIFT, "/DesiredWeightsAndCapacities/1/" + member, json);
        if (valid) {
            assertThat(HostingShapes.parseDesiredWeightsAndCapacities(request)).hasSize(3);
        } else {
            assertRejected(() -> HostingShapes.parseDesiredWeightsAndCapacities(request),
                    "DesiredWeightsAndCapacities.2." + member);
        }
    }

    @Test
    void wrongTypes() {
        assertRejected(() -> HostingShapes.parseDesiredWeightsAndCapacities(with(SHIFT, "/DesiredWeightsAndCapacities", "{}")),
                "DesiredWeightsAndCapacities");
        assertRejected(() -> HostingShapes.parseDesiredWeightsAndCapacities(with(SHIFT, "/DesiredWeightsAndCapacities/0",
                "\"AllTraffic\"")), "DesiredWeightsAndCapacities.1");
        assertValidation(() -> HostingShapes.parseDesiredWeightsAndCapacities(HostingFixtures.value("[]")))
                .contains("JSON object");
    }

    @Test
    void recordValidatesWhenBuiltDirectly() {
        assertValidation(() -> new DesiredWeightAndCapacity("v", null, null)).contains("'DesiredWeight'");
        assertRejected(() -> new DesiredWeightAndCapacity("v", -1.0, null), "DesiredWeight");
        assertRejected(() -> new DesiredWeightAndCapacity("v", Double.NaN, null), "DesiredWeight");
        assertRejected(() -> new DesiredWeightAndCapacity("v", null, -1), "DesiredInstanceCount");
        assertRejected(() -> new DesiredWeightAndCapacity("-v", 1.0, null), "VariantName");
    }
}
