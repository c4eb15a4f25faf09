package dev.sluice.recommender.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InternalsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void prometheusTextIsSummedOverLabelSets() {
        Map<String, Double> values = ResourceSampler.parse("""
                # HELP jvm_memory_used_bytes x
                # TYPE jvm_memory_used_bytes gauge
                jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1.0E7
                jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 2.5E7
                process_cpu_time_ns_total 1.91E9
                system_cpu_count 2.0
                process_cpu_usage NaN
                sluice_invocations_total{endpoint="a"} 5.0 1700000000000
                """, List.of("jvm_memory_used_bytes", "process_cpu_time_ns_total", "system_cpu_count",
                "process_cpu_usage"));
        assertThat(values).containsEntry("jvm_memory_used_bytes", 3.5e7).containsEntry("process_cpu_time_ns_total",
                1.91e9).containsEntry("system_cpu_count", 2.0).doesNotContainKey("process_cpu_usage");
    }

    @Test
    void cpuPercentIsCpuTimeOverWallTimeAndCpus() {
        ResourceSampler.Sample before = new ResourceSampler.Sample(0, 1e9, 2.0, null, null, false);
        ResourceSampler.Sample after = new ResourceSampler.Sample(2_000_000_000L, 3e9, 2.0, null, null, false);
        assertThat(ResourceSampler.cpuPercent(before, after)).isEqualTo(50.0);
        ResourceSampler.Sample usageOnly = new ResourceSampler.Sample(1, null, null, 0.25, null, false);
        assertThat(ResourceSampler.cpuPercent(before, usageOnly)).isEqualTo(25.0);
    }

    @Test
    void aPayloadIsMadeUpFromTheInputSignature() throws Exception {
        byte[] body = PayloadGenerator.fromMetadata(JSON.readTree("""
                {"name":"m","inputs":[{"name":"ids","datatype":"INT64","shape":[-1,-1]},
                                      {"name":"x","datatype":"FP32","shape":[1,3]}]}"""));
        assertThat(new String(body)).isEqualTo("{\"inputs\":[{\"name\":\"ids\",\"datatype\":\"INT64\",\"shape\":[1,8],"
                + "\"data\":[1,1,1,1,1,1,1,1]},{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,3],"
                + "\"data\":[0.5,0.5,0.5]}]}");
        assertThatThrownBy(() -> PayloadGenerator.fromMetadata(JSON.readTree(
                "{\"inputs\":[{\"name\":\"t\",\"datatype\":\"BYTES\",\"shape\":[-1]}]}")))
                .hasMessageContaining("--payload");
        assertThatThrownBy(() -> PayloadGenerator.fromMetadata(JSON.readTree("{\"inputs\":[]}")))
                .hasMessageContaining("--payload");
    }
}
