package dev.sluice.core.hosting;

import static dev.sluice.core.hosting.HostingFixtures.assertRejected;
import static dev.sluice.core.hosting.HostingFixtures.assertValidation;
import static dev.sluice.core.hosting.HostingFixtures.json;
import static dev.sluice.core.hosting.HostingFixtures.quoted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NameAndEnvironmentTest {
    private static final String ENV = "Containers.3.Environment";

    @Test
    void requireNameReturnsAValidName() {
        assertThat(HostingShapes.requireName(json("{\"EndpointName\":\"churn-prod\",\"Other\":1}"), "EndpointName"))
                .isEqualTo("churn-prod");
        assertThat(HostingShapes.requireName(json("{\"EndpointName\":" + quoted("e".repeat(63)) + "}"), "EndpointName"))
                .hasSize(63);
    }

    @Test
    void requireNameRejectsMissingName() {
        assertValidation(() -> HostingShapes.requireName(json("{}"), "EndpointName"))
                .isEqualTo("1 validation error detected: Value null at 'EndpointName' failed to satisfy constraint: "
                        + "Member must not be null");
        assertRejected(() -> HostingShapes.requireName(json("{\"EndpointName\":null}"), "EndpointName"), "EndpointName");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"\"", "\"  \"", "\"end_point\"", "\"-e\"", "\"e-\"", "12", "true", "[\"e\"]", "{}"})
    void requireNameRejectsBadValues(String json) {
        assertRejected(() -> HostingShapes.requireName(json("{\"EndpointConfigName\":" + json + "}"), "EndpointConfigName"),
                "EndpointConfigName");
    }

    @Test
    void requireNameRejectsTooLongName() {
        assertValidation(() -> HostingShapes.requireName(json("{\"EndpointName\":" + quoted("e".repeat(64)) + "}"),
                "EndpointName")).contains("'EndpointName'").contains("less than or equal to 63");
    }

    @Test
    void requireNameNeedsAnObjectBody() {
        assertValidation(() -> HostingShapes.requireName(null, "EndpointName")).contains("JSON object");
        assertValidation(() -> HostingShapes.requireName(NullNode.getInstance(), "EndpointName")).contains("JSON object");
    }

    @Test
    void namePatternIsSageMakers() {
        assertThat(HostingShapes.NAME.matcher("a-b--c9").matches()).isTrue();
        assertThat(HostingShapes.NAME.matcher("a-").matches()).isFalse();
        assertThat(HostingShapes.MAX_NAME_LENGTH).isEqualTo(63);
    }

    // --- Environment ---

    @Test
    void absentEnvironmentIsEmpty() {
        assertThat(HostingShapes.parseEnvironment(null, ENV)).isEmpty();
        assertThat(HostingShapes.parseEnvironment(NullNode.getInstance(), ENV)).isEmpty();
        assertThat(HostingShapes.parseEnvironment(MissingNode.getInstance(), ENV)).isEmpty();
    }

    @Test
    void keepsRequestOrderAndIsImmutable() {
        Map<String, String> env = HostingShapes.parseEnvironment(json("""
                {"Z_LAST":"1","A_FIRST":"","_m":"multi\\nline value"}"""), ENV);
        assertThat(env).containsExactly(Map.entry("Z_LAST", "1"), Map.entry("A_FIRST", ""),
                Map.entry("_m", "multi\nline value"));
        assertThatThrownBy(() -> env.put("X", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void entryCountLimit() {
        assertThat(HostingShapes.parseEnvironment(environment(100), ENV)).hasSize(100);
        assertValidation(() -> HostingShapes.parseEnvironment(environment(101), ENV))
                .contains("'" + ENV + "'").contains("less than or equal to 100");
    }

    private static ObjectNode environment(int entries) {
        ObjectNode env = json("{}");
        for (int i = 0; i < entries; i++) {
            env.put("VAR_" + i, "v");
        }
        return env;
    }

    @Test
    void keyLimits() {
        String key1024 = "K".repeat(1024);
        assertThat(HostingShapes.parseEnvironment(json("{\"" + key1024 + "\":\"v\"}"), ENV)).containsKey(key1024);
        assertValidation(() -> HostingShapes.parseEnvironment(json("{\"" + key1024 + "K\":\"v\"}"), ENV))
                .contains("at '" + ENV + "'").contains("Map keys").contains("(1025 characters)");
        assertRejected(() -> HostingShapes.parseEnvironment(json("{\"\":\"v\"}"), ENV), ENV);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1ABC", "MY-VAR", "MY.VAR", "MY VAR", "ÉTÉ", "$HOME"})
    void keysMustLookLikeShellVariables(String key) {
        assertValidation(() -> HostingShapes.parseEnvironment(json("{" + quoted(key) + ":\"v\"}"), ENV))
                .contains("at '" + ENV + "'").contains("[a-zA-Z_][a-zA-Z0-9_]*");
    }

    @Test
    void valueLimits() {
        assertThat(HostingShapes.parseEnvironment(json("{\"V\":" + quoted("v".repeat(1024)) + "}"), ENV).get("V"))
                .hasSize(1024);
        assertValidation(() -> HostingShapes.parseEnvironment(json("{\"V\":" + quoted("v".repeat(1025)) + "}"), ENV))
                .contains("'" + ENV + ".V'").contains("less than or equal to 1024");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "true", "null", "[\"a\"]", "{\"a\":\"b\"}"})
    void valuesMustBeStrings(String json) {
        assertRejected(() -> HostingShapes.parseEnvironment(json("{\"WORKERS\":" + json + "}"), ENV), ENV + ".WORKERS");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "\"A=1\"", "7"})
    void environmentMustBeAnObject(String json) {
        assertRejected(() -> HostingShapes.parseEnvironment(HostingFixtures.value(json), ENV), ENV);
    }

    @Test
    void longValuesAreNotEchoedInFull() {
        String secret = "s".repeat(5000);
        assertValidation(() -> HostingShapes.parseEnvironment(json("{\"TOKEN\":" + quoted(secret) + "}"), ENV))
                .doesNotContain(secret.substring(0, Check.MAX_ECHO + 1)).contains("(5000 characters)");
    }
}
