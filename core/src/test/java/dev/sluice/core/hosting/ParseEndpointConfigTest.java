package dev.sluice.core.hosting;

import static dev.sluice.core.hosting.HostingFixtures.assertRejected;
import static dev.sluice.core.hosting.HostingFixtures.assertValidation;
import static dev.sluice.core.hosting.HostingFixtures.json;
import static dev.sluice.core.hosting.HostingFixtures.quoted;
import static dev.sluice.core.hosting.HostingFixtures.with;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ParseEndpointConfigTest {
    /** boto3's create_endpoint_config for an A/B test with data capture, as it goes on the wire. */
    static final ObjectNode AB = json("""
            {"EndpointConfigName":"churn-ab-config",
             "ProductionVariants":[
               {"VariantName":"AllTraffic","ModelName":"xgb-churn-v1","InitialInstanceCount":2,
                "InstanceType":"ml.m5.xlarge","InitialVariantWeight":0.9,"VolumeSizeInGB":30,
                "ModelDataDownloadTimeoutInSeconds":600,"ContainerStartupHealthCheckTimeoutInSeconds":600},
               {"VariantName":"Challenger","ModelName":"xgb-churn-v2","InitialInstanceCount":1,
                "InstanceType":"ml.c5.large","InitialVariantWeight":0.1,
                "RoutingConfig":{"RoutingStrategy":"RANDOM"},
                "ManagedInstanceScaling":{"Status":"ENABLED","MinInstanceCount":1,"MaxInstanceCount":4}}],
             "DataCaptureConfig":{"EnableCapture":true,"InitialSamplingPercentage":20,
               "DestinationS3Uri":"s3://bucket/capture","KmsKeyId":"alias/capture",
               "CaptureOptions":[{"CaptureMode":"Input"},{"CaptureMode":"Output"}],
               "CaptureContentTypeHeader":{"CsvContentTypes":["text/csv"],"JsonContentTypes":["application/json"]}},
             "AsyncInferenceConfig":{"ClientConfig":{"MaxConcurrentInvocationsPerInstance":4},
               "OutputConfig":{"S3OutputPath":"s3://bucket/async-out","S3FailurePath":"s3://bucket/async-fail",
                 "NotificationConfig":{"SuccessTopic":"arn:aws:sns:us-east-1:123456789012:ok",
                   "IncludeInferenceResponseIn":["SUCCESS_NOTIFICATION_TOPIC"]}}},
             "KmsKeyId":"alias/volume",
             "Tags":[{"Key":"stage","Value":"prod"}]}""");

    /** The Java SDK's CreateEndpointConfigRequest for a serverless endpoint. */
    static final ObjectNode SERVERLESS = json("""
            {"EndpointConfigName":"sls",
             "ProductionVariants":[{"VariantName":"AllTraffic","ModelName":"minilm",
               "ServerlessConfig":{"MemorySizeInMB":2048,"MaxConcurrency":20,"ProvisionedConcurrency":2}}]}""");

    static final ObjectNode SHADOW = json("""
            {"EndpointConfigName":"shadow-test",
             "ProductionVariants":[{"VariantName":"prod","ModelName":"m1","InitialInstanceCount":1,"InstanceType":"ml.m5.large"}],
             "ShadowProductionVariants":[{"VariantName":"shadow","ModelName":"m2","InitialInstanceCount":1,
               "InstanceType":"ml.m5.large","InitialVariantWeight":1.0}]}""");

    @Test
    void parsesAbTestConfig() {
        EndpointConfigDefinition config = HostingShapes.parseEndpointConfig(AB);

        assertThat(config.endpointConfigName()).isEqualTo("churn-ab-config");
        assertThat(config.shadowProductionVariants()).isEmpty();
        assertThat(config.hasShadow()).isFalse();
        assertThat(config.productionVariants()).containsExactly(
                new ProductionVariant("AllTraffic", "xgb-churn-v1", 2, "ml.m5.xlarge", 0.9,
                        ProductionVariant.ROUTING_LEAST_OUTSTANDING_REQUESTS, null),
                new ProductionVariant("Challenger", "xgb-churn-v2", 1, "ml.c5.large", 0.1,
                        ProductionVariant.ROUTING_RANDOM, null));
    }

    @Test
    void parsesServerlessConfig() {
        ProductionVariant variant = HostingShapes.parseEndpointConfig(SERVERLESS).productionVariants().get(0);

        assertThat(variant.isServerless()).isTrue();
        assertThat(variant.initialInstanceCount()).isZero();
        assertThat(variant.instanceType()).isNull();
        assertThat(variant.initialVariantWeight()).isEqualTo(ProductionVariant.DEFAULT_WEIGHT);
        assertThat(variant.serverless()).isEqualTo(new ServerlessConfig(2048, 20, 2));
    }

    @Test
    void parsesShadowConfig() {
        EndpointConfigDefinition config = HostingShapes.parseEndpointConfig(SHADOW);
        assertThat(config.hasShadow()).isTrue();
        assertThat(config.shadowProductionVariants()).extracting(ProductionVariant::variantName).containsExactly("shadow");
    }

    @Test
    void defaultsWeightAndRouting() {
        ProductionVariant variant = HostingShapes.parseEndpointConfig(json("""
                {"EndpointConfigName":"c","ProductionVariants":[{"VariantName":"v","ModelName":"m","InitialInstanceCount":1}]}
                """)).productionVariants().get(0);
        assertThat(variant.initialVariantWeight()).isEqualTo(1.0);
        assertThat(variant.routingStrategy()).isEqualTo("LEAST_OUTSTANDING_REQUESTS");
        assertThat(variant.instanceType()).isNull();
    }

    // --- ProductionVariants list ---

    @Test
    void productionVariantsCount() {
        assertRejected(() -> HostingShapes.parseEndpointConfig(with(AB, "/ProductionVariants", null)), "ProductionVariants");
        assertValidation(() -> HostingShapes.parseEndpointConfig(with(AB, "/ProductionVariants", "[]")))
                .contains("'ProductionVariants'").contains("greater than or equal to 1");
        assertThat(HostingShapes.parseEndpointConfig(withVariants(10)).productionVariants()).hasSize(10);
        assertValidation(() -> HostingShapes.parseEndpointConfig(withVariants(11)))
                .contains("'ProductionVariants'").contains("less than or equal to 10");
    }

    private static ObjectNode withVariants(int count) {
        ObjectNode request = json("{\"EndpointConfigName\":\"c\",\"ProductionVariants\":[]}");
        ArrayNode variants = (ArrayNode) request.get("ProductionVariants");
        for (int i = 0; i < count; i++) {
            variants.addObject().put("VariantName", "v" + i).put("ModelName", "m").put("InitialInstanceCount", 1);
        }
        return request;
    }

    @Test
    void rejectsDuplicateVariantNames() {
        assertValidation(() -> HostingShapes.parseEndpointConfig(with(AB, "/ProductionVariants/1/VariantName",
                "\"AllTraffic\""))).contains("'ProductionVariants.2.VariantName'").contains("unique")
                .contains("ProductionVariants.1.VariantName");
    }

    @Test
    void endpointConfigNameIsRequiredAndChecked() {
        assertRejected(() -> HostingShapes.parseEndpointConfig(with(AB, "/EndpointConfigName", null)), "EndpointConfigName");
        assertRejected(() -> HostingShapes.parseEndpointConfig(with(AB, "/EndpointConfigName", quoted("c".repeat(64)))),
                "EndpointConfigName");
    }

    // --- variant members at their boundaries ---

    @ParameterizedTest(name = "{0} = {1} -> valid: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            InitialInstanceCount | 1                  | true
            InitialInstanceCount | 2.0                | true
            InitialInstanceCount | 2147483647         | true
            InitialInstanceCount | 0                  | false
            InitialInstanceCount | -1                 | false
            InitialInstanceCount | 1.5                | false
            InitialInstanceCount | 2147483648         | false
            InitialInstanceCount | "1"                | false
            InitialVariantWeight | 0                  | true
            InitialVariantWeight | 0.0                | true
            InitialVariantWeight | 1000000            | true
            InitialVariantWeight | -0.0001            | false
            InitialVariantWeight | "0.5"              | false
            InstanceType         | "ml.m5.xlarge"     | true
            InstanceType         | ""                 | false
            InstanceType         | 5                  | false
            VariantName          | "a"                | true
            VariantName          | ""                 | false
            VariantName          | "All_Traffic"      | false
            VariantName          | {}                 | false
            ModelName            | "xgb-churn-v1"     | true
            ModelName            | "xgb churn"        | false
            ModelName            | null               | false
            RoutingConfig        | {}                 | false
            RoutingConfig        | "RANDOM"           | false
            """)
    void variantMember(String member, String json, boolean valid) {
        ObjectNode request = with(AB, "/ProductionVariants/1/" + member, json);
        if (valid) {
            assertThat(HostingShapes.parseEndpointConfig(request).productionVariants()).hasSize(2);
        } else {
            // A prefix: RoutingConfig's message names RoutingConfig.RoutingStrategy.
            assertValidation(() -> HostingShapes.parseEndpointConfig(request)).contains("'ProductionVariants.2." + member);
        }
    }

    @Test
    void wholeNumberInstanceCountIsKept() {
        ObjectNode request = with(AB, "/ProductionVariants/1/InitialInstanceCount", "2.0");
        assertThat(HostingShapes.parseEndpointConfig(request).productionVariants().get(1).initialInstanceCount())
                .isEqualTo(2);
    }

    @Test
    void instanceCountIsRequiredWithoutServerless() {
        assertValidation(() -> HostingShapes.parseEndpointConfig(with(AB, "/ProductionVariants/0/InitialInstanceCount",
                null))).contains("Value null at 'ProductionVariants.1.InitialInstanceCount'");
    }

    @Test
    void instanceTypeLengthBoundary() {
        String path = "/ProductionVariants/0/InstanceType";
        assertThat(HostingShapes.parseEndpointConfig(with(AB, path, quoted("t".repeat(64)))).productionVariants().get(0)
                .instanceType()).hasSize(64);
        assertValidation(() -> HostingShapes.parseEndpointConfig(with(AB, path, quoted("t".repeat(65)))))
                .contains("'ProductionVariants.1.InstanceType'").contains("less than or equal to 64");
    }

    @Test
    void variantNameLengthBoundary() {
        String path = "/ProductionVariants/0/VariantName";
        assertThat(HostingShapes.parseEndpointConfig(with(AB, path, quoted("v".repeat(63)))).productionVariants().get(0)
                .variantName()).hasSize(63);
        assertRejected(() -> HostingShapes.parseEndpointConfig(with(AB, path, quoted("v".repeat(64)))),
                "ProductionVariants.1.VariantName");
    }

    @Test
    void routingStrategyRules() {
        assertValidation(() -> HostingShapes.parseEndpointConfig(with(AB, "/ProductionVariants/1/RoutingConfig/RoutingStrategy",
                "\"ROUND_ROBIN\""))).contains("'ProductionVariants.2.RoutingConfig.RoutingStrategy'")
                .contains("[LEAST_OUTSTANDING_REQUESTS, RANDOM]");
        assertThat(HostingShapes.parseEndpointConfig(with(AB, "/ProductionVariants/1/RoutingConfig/RoutingStrategy",
                "\"LEAST_OUTSTANDING_REQUESTS\"")).productionVariants().get(1).routingStrategy())
                .isEqualTo("LEAST_OUTSTANDING_REQUESTS");
    }

    @Test
    void variantEntryMustBeAnObject() {
        assertRejected(() -> HostingShapes.parseEndpointConfig(with(AB, "/ProductionVariants/0", "[]")),
                "ProductionVariants.1");
        assertRejected(() -> HostingShapes.parseEndpointConfig(with(AB, "/ProductionVariants", "{}")), "ProductionVariants");
    }

    // --- serverless ---

    @ParameterizedTest(name = "{0} = {1} -> valid: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            MemorySizeInMB         | 1024   | true
            MemorySizeInMB         | 6144   | true
            MemorySizeInMB         | 3072   | true
            MemorySizeInMB         | 1023   | false
            MemorySizeInMB         | 7168   | false
            MemorySizeInMB         | 2000   | false
            MemorySizeInMB         | 0      | false
            MemorySizeInMB         | null   | false
            MemorySizeInMB         | "2048" | false
            MaxConcurrency         | 2      | true
            MaxConcurrency         | 200    | true
            MaxConcurrency         | 0      | false
            MaxConcurrency         | 201    | false
            MaxConcurrency         | null   | false
            ProvisionedConcurrency | 1      | true
            ProvisionedConcurrency | 20     | true
            ProvisionedConcurrency | null   | true
            ProvisionedConcurrency | 0      | false
            ProvisionedConcurrency | 21     | false
            ProvisionedConcurrency | 201    | false
            """)
    void serverlessMember(String member, String json, boolean valid) {
        ObjectNode request = with(SERVERLESS, "/ProductionVariants/0/ServerlessConfig/" + member, json);
        if (valid) {
            assertThat(HostingShapes.parseEndpointConfig(request).productionVariants().get(0).serverless()).isNotNull();
        } else {
            assertRejected(() -> HostingShapes.parseEndpointConfig(request), "ProductionVariants.1.ServerlessConfig." + member);
        }
    }

    @Test
    void provisionedConcurrencyMayEqualMaxConcurrency() {
        ObjectNode request = with(SERVERLESS, "/ProductionVariants/0/ServerlessConfig/ProvisionedConcurrency", "20");
        assertThat(HostingShapes.parseEndpointConfig(request).productionVariants().get(0).serverless()
                .provisionedConcurrency()).isEqualTo(20);
        ObjectNode over = with(SERVERLESS, "/ProductionVariants/0/ServerlessConfig/ProvisionedConcurrency", "21");
        assertValidation(() -> HostingShapes.parseEndpointConfig(over)).contains("MaxConcurrency (20)");
    }

    @Test
    void serverlessExcludesInstanceSettings() {
        assertValidation(() -> HostingShapes.parseEndpointConfig(with(SERVERLESS, "/ProductionVariants/0/InitialInstanceCount",
                "1"))).contains("'ProductionVariants.1.InitialInstanceCount'").contains("serverless");
        assertValidation(() -> HostingShapes.parseEndpointConfig(with(SERVERLESS, "/ProductionVariants/0/InstanceType",
                "\"ml.m5.large\""))).contains("'ProductionVariants.1.InstanceType'").contains("serverless");
        assertRejected(() -> HostingShapes.parseEndpointConfig(with(SERVERLESS, "/ProductionVariants/0/ServerlessConfig",
                "[]")), "ProductionVariants.1.ServerlessConfig");
    }

    // --- shadow variants ---

    @Test
    void shadowNeedsExactlyOneProductionVariant() {
        ObjectNode twoProduction = SHADOW.deepCopy();
        ((ArrayNode) twoProduction.get("ProductionVariants")).addObject().put("VariantName", "prod2").put("ModelName", "m")
                .put("InitialInstanceCount", 1);
        assertValidation(() -> HostingShapes.parseEndpointConfig(twoProduction)).contains("'ShadowProductionVariants'")
                .contains("'ProductionVariants' must have exactly one variant, got 2");
    }

    @Test
    void shadowListHasExactlyOneVariant() {
        ObjectNode twoShadows = SHADOW.deepCopy();
        ((ArrayNode) twoShadows.get("ShadowProductionVariants")).addObject().put("VariantName", "shadow2")
                .put("ModelName", "m").put("InitialInstanceCount", 1);
        assertValidation(() -> HostingShapes.parseEndpointConfig(twoShadows))
                .contains("'ShadowProductionVariants' must have exactly one variant, got 2");
        assertValidation(() -> HostingShapes.parseEndpointConfig(with(SHADOW, "/ShadowProductionVariants", "[]")))
                .contains("'ShadowProductionVariants'").contains("greater than or equal to 1");
        assertThat(HostingShapes.parseEndpointConfig(with(SHADOW, "/ShadowProductionVariants", "null")).hasShadow())
                .isFalse();
    }

    @Test
    void shadowNamesMustDifferFromProductionNames() {
        assertValidation(() -> HostingShapes.parseEndpointConfig(with(SHADOW, "/ShadowProductionVariants/0/VariantName",
                "\"prod\""))).contains("'ShadowProductionVariants.1.VariantName'")
                .contains("unique across ProductionVariants and ShadowProductionVariants");
    }

    @Test
    void shadowVariantsAreValidatedLikeProductionVariants() {
        assertRejected(() -> HostingShapes.parseEndpointConfig(with(SHADOW, "/ShadowProductionVariants/0/InitialInstanceCount",
                "0")), "ShadowProductionVariants.1.InitialInstanceCount");
        assertRejected(() -> HostingShapes.parseEndpointConfig(with(SHADOW, "/ShadowProductionVariants/0", "7")),
                "ShadowProductionVariants.1");
    }

    // --- DataCaptureConfig / AsyncInferenceConfig ---

    @ParameterizedTest
    @ValueSource(ints = {0, 100})
    void samplingPercentageBoundariesAreValid(int percentage) {
        ObjectNode request = with(AB, "/DataCaptureConfig/InitialSamplingPercentage", String.valueOf(percentage));
        assertThat(HostingShapes.parseEndpointConfig(request)).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "101", "\"20\"", "20.5"})
    void samplingPercentageOutsideRangeIsRejected(String json) {
        assertRejected(() -> HostingShapes.parseEndpointConfig(with(AB, "/DataCaptureConfig/InitialSamplingPercentage", json)),
                "DataCaptureConfig.InitialSamplingPercentage");
    }

    @Test
    void malformedDataCaptureConfigIsRejected() {
        assertRejected(() -> HostingShapes.parseEndpointConfig(with(AB, "/DataCaptureConfig", "true")), "DataCaptureConfig");
        assertRejected(() -> HostingShapes.parseEndpointConfig(with(AB, "/DataCaptureConfig/EnableCapture", "\"yes\"")),
                "DataCaptureConfig.EnableCapture");
        assertRejected(() -> HostingShapes.parseEndpointConfig(with(AB, "/DataCaptureConfig/CaptureOptions/1/CaptureMode",
                "\"Both\"")), "DataCaptureConfig.CaptureOptions.2.CaptureMode");
        assertRejected(() -> HostingShapes.parseEndpointConfig(with(AB, "/DataCaptureConfig/CaptureOptions", "[]")),
                "DataCaptureConfig.CaptureOptions");
        assertRejected(() -> HostingShapes.parseEndpointConfig(with(AB,
                "/DataCaptureConfig/CaptureContentTypeHeader/CsvContentTypes/0", "1")),
                "DataCaptureConfig.CaptureContentTypeHeader.CsvContentTypes.1");
        // Data capture is accepted and not acted on, so a minimal one is fine.
        assertThat(HostingShapes.parseEndpointConfig(with(AB, "/DataCaptureConfig", "{}"))).isNotNull();
    }

    @Test
    void asyncInferenceConfigIsCheckedForShape() {
        String perInstance = "/AsyncInferenceConfig/ClientConfig/MaxConcurrentInvocationsPerInstance";
        assertThat(HostingShapes.parseEndpointConfig(with(AB, perInstance, "1000"))).isNotNull();
        assertRejected(() -> HostingShapes.parseEndpointConfig(with(AB, perInstance, "1001")),
                "AsyncInferenceConfig.ClientConfig.MaxConcurrentInvocationsPerInstance");
        assertRejected(() -> HostingShapes.parseEndpointConfig(with(AB, perInstance, "0")),
                "AsyncInferenceConfig.ClientConfig.MaxConcurrentInvocationsPerInstance");
        assertRejected(() -> HostingShapes.parseEndpointConfig(with(AB, "/AsyncInferenceConfig/OutputConfig/S3OutputPath",
                "{}")), "AsyncInferenceConfig.OutputConfig.S3OutputPath");
        assertRejected(() -> HostingShapes.parseEndpointConfig(with(AB, "/AsyncInferenceConfig", "[]")),
                "AsyncInferenceConfig");
    }

    // --- the records themselves ---

    @Test
    void recordsValidateWhenBuiltDirectly() {
        ProductionVariant variant = new ProductionVariant("v", "m", 1, null, 1.0, null, null);
        assertThat(variant.routingStrategy()).isEqualTo("LEAST_OUTSTANDING_REQUESTS");
        assertThat(new ProductionVariant("s", "m", 0, null, 1.0, null, new ServerlessConfig(1024, 1, null)).isServerless())
                .isTrue();

        assertRejected(() -> new ProductionVariant("v", "m", 0, null, 1.0, null, null), "InitialInstanceCount");
        assertRejected(() -> new ProductionVariant("v", "m", 1, null, -1, null, null), "InitialVariantWeight");
        assertRejected(() -> new ProductionVariant("v", "m", 1, null, Double.NaN, null, null), "InitialVariantWeight");
        assertRejected(() -> new ProductionVariant("v", "m", 2, null, 1, null, new ServerlessConfig(1024, 1, null)),
                "InitialInstanceCount");
        assertRejected(() -> new ServerlessConfig(1536, 1, null), "MemorySizeInMB");
        assertRejected(() -> new ServerlessConfig(1024, 2, 3), "ProvisionedConcurrency");
        assertRejected(() -> new EndpointConfigDefinition("c", List.of(), null), "ProductionVariants");
        assertRejected(() -> new EndpointConfigDefinition("c", List.of(variant, variant), null),
                "ProductionVariants.2.VariantName");
        assertRejected(() -> new EndpointConfigDefinition("c", List.of(variant), List.of(variant)),
                "ShadowProductionVariants.1.VariantName");
        assertThat(new EndpointConfigDefinition("c", List.of(variant), null).shadowProductionVariants()).isEmpty();
    }
}
