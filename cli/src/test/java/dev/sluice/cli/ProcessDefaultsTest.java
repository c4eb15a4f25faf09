package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.util.Utils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** DJL is offline and opted out of telemetry in every sluice process, set by the process itself. */
class ProcessDefaultsTest {
    @Test
    void djlIsOfflineAndOptedOutUnlessSaidOtherwise() {
        Properties properties = new Properties();
        ProcessDefaults.apply(properties);
        assertThat(properties).containsEntry("ai.djl.offline", "true").containsEntry("OPT_OUT_TRACKING", "true");

        Properties explicit = new Properties();
        explicit.setProperty("ai.djl.offline", "false");
        ProcessDefaults.apply(explicit);
        assertThat(explicit).containsEntry("ai.djl.offline", "false");
    }

    @Test
    void djlReadsWhatTheDefaultsSet() {
        String before = System.clearProperty("ai.djl.offline");
        try {
            ProcessDefaults.apply();
            // DJL's own reading of the settings (DJL_OFFLINE in the environment would override; the build sets none).
            assertThat(Utils.isOfflineMode()).isTrue();
            assertThat(Utils.getEnvOrSystemProperty("OPT_OUT_TRACKING")).isEqualTo("true");
        } finally {
            if (before != null) {
                System.setProperty("ai.djl.offline", before);
            }
        }
    }

    @Test
    void mainAppliesThemBeforeAnythingElse() throws Exception {
        String source = Files.readString(Path.of("src/main/java/dev/sluice/cli/SluiceCommand.java"));
        String main = source.substring(source.indexOf("public static void main(String[] args) {"));
        String firstStatement = main.lines().skip(1).map(String::strip).filter(l -> !l.startsWith("//"))
                .findFirst().orElseThrow();
        assertThat(firstStatement).isEqualTo("ProcessDefaults.apply();");
    }
}
