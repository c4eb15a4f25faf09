package dev.sluice.cli;

import java.util.Properties;

/**
 * What every {@code sluice} process sets before any library loads, whatever launched the JVM ({@code ./sluice},
 * {@code java -jar}, a container entry point): DJL (the tokenizers) neither downloads anything
 * ({@code ai.djl.offline}) nor phones home ({@code OPT_OUT_TRACKING}, read by DJL's telemetry). Sluice never
 * fetches code or models at run time; an explicit setting of either still wins.
 */
final class ProcessDefaults {
    static final String DJL_OFFLINE = "ai.djl.offline";
    static final String DJL_TRACKING_OPT_OUT = "OPT_OUT_TRACKING";

    private ProcessDefaults() {
    }

    static void apply() {
        apply(System.getProperties());
    }

    static void apply(Properties properties) {
        properties.putIfAbsent(DJL_OFFLINE, "true");
        properties.putIfAbsent(DJL_TRACKING_OPT_OUT, "true");
    }
}
