package dev.sluice.core.hosting;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code DeploymentConfig} member of CreateEndpoint and UpdateEndpoint. Paths in messages start at
 * {@code DeploymentConfig}, the member's name in both requests.
 *
 * @param blueGreenUpdatePolicy  how traffic moves to the new fleet; never null (rolling updates are not supported)
 * @param alarmNames             {@code AutoRollbackConfiguration.Alarms[].AlarmName}: any of them firing during a
 *                               baking period rolls all traffic back; empty when there are none
 */
public record DeploymentConfig(BlueGreenUpdatePolicy blueGreenUpdatePolicy, List<String> alarmNames) {
    public static final int MAX_ALARMS = 10;
    public static final int MAX_ALARM_NAME_LENGTH = 255;
    static final String AT = "DeploymentConfig.";
    private static final String ALARMS = AT + "AutoRollbackConfiguration.Alarms";

    public DeploymentConfig {
        Check.required(AT + "BlueGreenUpdatePolicy", blueGreenUpdatePolicy);
        alarmNames = alarmNames == null ? List.of() : Check.elements(ALARMS, alarmNames);
        Check.size(ALARMS, alarmNames.size(), 0, MAX_ALARMS);
        for (int i = 0; i < alarmNames.size(); i++) {
            checkAlarmName(Check.index(ALARMS, i) + ".AlarmName", alarmNames.get(i));
        }
    }

    static DeploymentConfig read(JsonNode node) {
        if (!node.isObject()) {
            throw Json.wrongType("DeploymentConfig", node, "a structure (JSON object)");
        }
        boolean blueGreen = Json.member(node, "BlueGreenUpdatePolicy") != null;
        boolean rolling = Json.member(node, "RollingUpdatePolicy") != null;
        if (blueGreen && rolling) {
            throw Check.rule("1 validation error detected: specify only one of '" + AT + "BlueGreenUpdatePolicy' and '"
                    + AT + "RollingUpdatePolicy'");
        }
        if (rolling) {
            // Rolling updates replace instances in batches inside one fleet; Sluice always stands up a new fleet.
            throw Check.rule("RollingUpdatePolicy is not supported by Sluice; use BlueGreenUpdatePolicy");
        }
        JsonNode policyNode = Check.required(AT + "BlueGreenUpdatePolicy", Json.object(node, AT, "BlueGreenUpdatePolicy"));
        BlueGreenUpdatePolicy policy = BlueGreenUpdatePolicy.read(policyNode, AT + "BlueGreenUpdatePolicy.");
        List<String> alarmNames = new ArrayList<>();
        JsonNode rollback = Json.object(node, AT, "AutoRollbackConfiguration");
        if (rollback != null) {
            JsonNode alarms = Json.array(rollback, AT + "AutoRollbackConfiguration.", "Alarms");
            if (alarms != null) {
                // SageMaker's Alarms list is 1–10 when given; leaving it out is how to say "no alarms".
                Check.size(ALARMS, alarms.size(), 1, MAX_ALARMS);
                for (int i = 0; i < alarms.size(); i++) {
                    String alarmAt = Check.index(ALARMS, i) + ".";
                    JsonNode alarm = Json.objectElement(alarms, ALARMS, i);
                    String name = Check.required(alarmAt + "AlarmName", Json.string(alarm, alarmAt, "AlarmName"));
                    checkAlarmName(alarmAt + "AlarmName", name);
                    alarmNames.add(name);
                }
            }
        }
        return new DeploymentConfig(policy, alarmNames);
    }

    private static void checkAlarmName(String path, String name) {
        Check.length(path, name, 1, MAX_ALARM_NAME_LENGTH);
        // SageMaker's pattern ^(?!\s*$).+ : a name that is all whitespace names no CloudWatch alarm.
        if (name.isBlank()) {
            throw Check.violation(path, name, "Member must satisfy regular expression pattern: ^(?!\\s*$).+");
        }
    }
}
