package dev.sluice.recommender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatalogTest {
    @Test
    void theDefaultCatalogStatesItsPricesAndCoversTheCommonFamilies() {
        InstanceCatalog catalog = InstanceCatalog.defaults();
        assertThat(catalog.pricesAsOf()).isNotBlank().isNotEqualTo("unknown");
        assertThat(catalog.region()).isEqualTo("us-east-1");
        assertThat(catalog.note()).contains("check current pricing");
        for (String family : List.of("c5", "c6i", "m5", "c6g", "c7g", "g4dn", "g5")) {
            assertThat(catalog.instanceTypes()).anyMatch(t -> t.name().startsWith("ml." + family + "."));
        }
        assertThat(catalog.instanceTypes()).allMatch(t -> t.pricePerHour() > 0);
        assertThat(catalog.require("ml.g4dn.xlarge").hasAccelerator()).isTrue();
    }

    @Test
    void aMachineStandsForTheFirstCpuTypeOfItsSizeAndArchitecture() {
        InstanceCatalog catalog = InstanceCatalog.defaults();
        assertThat(catalog.forMachine(2, "amd64").orElseThrow().name()).isEqualTo("ml.c5.large");
        assertThat(catalog.forMachine(4, "x86_64").orElseThrow().name()).isEqualTo("ml.c5.xlarge");
        assertThat(catalog.forMachine(2, "aarch64").orElseThrow().name()).isEqualTo("ml.c6g.large");
        assertThat(catalog.forMachine(3, "amd64")).isEmpty();
    }

    @Test
    void aCatalogFileReplacesTheDefaultAndTyposAreErrors(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("catalog.json");
        Files.writeString(file, """
                {"pricesAsOf": "2030-01", "region": "eu-west-1", "note": "mine",
                 "instanceTypes": [{"name": "ml.x.large", "vCpus": 2, "memoryGiB": 4, "arch": "amd64",
                                    "accelerator": "none", "pricePerHour": 0.5}]}
                """);
        InstanceCatalog catalog = InstanceCatalog.read(file);
        assertThat(catalog.instanceTypes()).hasSize(1);
        assertThat(catalog.require("ml.x.large").arch()).isEqualTo("x86_64");
        assertThat(catalog.require("ml.x.large").accelerator()).isNull();

        Files.writeString(file, "instanceTypes: [{name: a, vCpus: 2, memoryGiB: 4, arch: x86_64, price: 1}]");
        assertThatThrownBy(() -> InstanceCatalog.read(file)).hasMessageContaining("price");
        Files.writeString(file, "instanceTypes: [{name: a, vCpus: 2, memoryGiB: 4, arch: x86_64, pricePerHour: 1},"
                + " {name: a, vCpus: 4, memoryGiB: 8, arch: x86_64, pricePerHour: 2}]");
        assertThatThrownBy(() -> InstanceCatalog.read(file)).hasMessageContaining("twice");
        Files.writeString(file, "instanceTypes: [{name: a, vCpus: 0, memoryGiB: 4, arch: x86_64, pricePerHour: 1}]");
        assertThatThrownBy(() -> InstanceCatalog.read(file)).hasMessageContaining("vCpus");
    }

    @Test
    void hostsFilesDeclareEachHostsInstanceType(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("hosts.yaml");
        Files.writeString(file, """
                - {url: "http://10.0.0.5:8081", dataUrl: "http://10.0.0.5:9080", instanceType: ml.c6g.xlarge}
                - {url: "http://10.0.0.6:8081", instanceType: ml.m5.large}
                """);
        List<Gateway> hosts = HostsFile.read(file);
        assertThat(hosts).hasSize(2).allMatch(Gateway::remote).allMatch(h -> h.processId() == null);
        assertThat(hosts.get(0).dataUrl().toString()).isEqualTo("http://10.0.0.5:9080");
        assertThat(hosts.get(1).dataUrl().toString()).isEqualTo("http://10.0.0.6:8080");
        assertThat(hosts.get(1).instanceType()).isEqualTo("ml.m5.large");
        Files.writeString(file, "- {url: \"http://10.0.0.5:8081\"}");
        assertThatThrownBy(() -> HostsFile.read(file)).hasMessageContaining("instanceType");
    }

    @Test
    void aRequestRefusesHostsOfUnknownTypes() {
        Gateway host = Gateway.remoteHost(java.net.URI.create("http://10.0.0.5:8081"),
                java.net.URI.create("http://10.0.0.5:8080"), "ml.nope.large");
        assertThatThrownBy(() -> new RecommendRequest("job", ModelUnderTest.builtinMinilm(), null, null, null, null,
                null, List.of(host), null)).hasMessageContaining("ml.nope.large");
        assertThatThrownBy(() -> new RecommendRequest("bad name!", ModelUnderTest.builtinMinilm(), null, null, null,
                null, null, List.of(), null)).hasMessageContaining("jobName");
    }
}
