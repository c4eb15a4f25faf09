package dev.sluice.core.hosting;

import static dev.sluice.core.hosting.HostingFixtures.assertRejected;
import static dev.sluice.core.hosting.HostingFixtures.assertValidation;
import static dev.sluice.core.hosting.HostingFixtures.json;
import static dev.sluice.core.hosting.HostingFixtures.quoted;
import static dev.sluice.core.hosting.HostingFixtures.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ParseModelTest {
    /** What boto3's create_model sends for a typical single-container model (members it adds that Sluice ignores included). */
    static final ObjectNode SINGLE = json("""
            {"ModelName":"xgb-churn-2024-06-01",
             "PrimaryContainer":{"Image":"683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
               "ModelDataUrl":"s3://my-bucket/churn/output/model.tar.gz",
               "Environment":{"SAGEMAKER_PROGRAM":"inference.py","SAGEMAKER_SUBMIT_DIRECTORY":"/opt/ml/model/code",
                              "SAGEMAKER_MODEL_SERVER_WORKERS":"2"},
               "ImageConfig":{"RepositoryAccessMode":"Platform"}},
             "ExecutionRoleArn":"arn:aws:iam::123456789012:role/SageMakerRole",
             "Tags":[{"Key":"team","Value":"ml"}],
             "VpcConfig":{"SecurityGroupIds":["sg-0123"],"Subnets":["subnet-0123"]},
             "EnableNetworkIsolation":false}""");

    /** The Java SDK's CreateModelRequest for a two-step serial pipeline. */
    static final ObjectNode PIPELINE = json("""
            {"ModelName":"pipeline",
             "Containers":[
               {"ContainerHostname":"preprocess","Image":"sklearn:1.2","ModelDataUrl":"s3://b/pre.tar.gz",
                "Environment":{"SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT":"text/csv"}},
               {"ContainerHostname":"predict","Image":"xgboost:1.7","ModelDataSource":{"S3DataSource":
                 {"S3Uri":"s3://b/xgb/","S3DataType":"S3Prefix","CompressionType":"None"}}}],
             "InferenceExecutionConfig":{"Mode":"Serial"},
             "ExecutionRoleArn":"arn:aws:iam::123456789012:role/SageMakerRole"}""");

    @Test
    void parsesSingleContainerModel() {
        ModelDefinition model = HostingShapes.parseModel(SINGLE);

        assertThat(model.modelName()).isEqualTo("xgb-churn-2024-06-01");
        assertThat(model.primaryContainer()).isTrue();
        assertThat(model.executionMode()).isEqualTo(ModelDefinition.MODE_SERIAL);
        assertThat(model.containers()).singleElement().satisfies(c -> {
            assertThat(c.containerHostname()).isNull();
            assertThat(c.image()).isEqualTo("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1");
            assertThat(c.mode()).isEqualTo(ContainerDefinition.MODE_SINGLE_MODEL);
            assertThat(c.multiModel()).isFalse();
            assertThat(c.modelDataUrl()).isEqualTo("s3://my-bucket/churn/output/model.tar.gz");
            assertThat(c.modelCacheSetting()).isEqualTo(ContainerDefinition.CACHE_ENABLED);
            assertThat(c.environment()).containsExactly(Map.entry("SAGEMAKER_PROGRAM", "inference.py"),
                    Map.entry("SAGEMAKER_SUBMIT_DIRECTORY", "/opt/ml/model/code"),
                    Map.entry("SAGEMAKER_MODEL_SERVER_WORKERS", "2"));
        });
    }

    @Test
    void parsesSerialPipelineWithModelDataSource() {
        ModelDefinition model = HostingShapes.parseModel(PIPELINE);

        assertThat(model.primaryContainer()).isFalse();
        assertThat(model.executionMode()).isEqualTo("Serial");
        assertThat(model.containers()).extracting(ContainerDefinition::containerHostname)
                .containsExactly("preprocess", "predict");
        assertThat(model.containers().get(1).modelDataUrl()).isEqualTo("s3://b/xgb/");
        assertThat(model.containers().get(1).environment()).isEmpty();
    }

    @Test
    void parsesMultiModelContainer() {
        ModelDefinition model = HostingShapes.parseModel(json("""
                {"ModelName":"mme","PrimaryContainer":{"Image":"mms:1","Mode":"MultiModel",
                  "ModelDataUrl":"s3://bucket/models/","MultiModelConfig":{"ModelCacheSetting":"Disabled"}}}"""));

        ContainerDefinition container = model.containers().get(0);
        assertThat(container.mode()).isEqualTo(ContainerDefinition.MODE_MULTI_MODEL);
        assertThat(container.multiModel()).isTrue();
        assertThat(container.modelCacheSetting()).isEqualTo(ContainerDefinition.CACHE_DISABLED);
        assertThat(container.modelDataUrl()).isEqualTo("s3://bucket/models/");
    }

    @Test
    void parsesDirectInvocationModel() {
        ModelDefinition model = HostingShapes.parseModel(with(PIPELINE, "/InferenceExecutionConfig/Mode", "\"Direct\""));
        assertThat(model.executionMode()).isEqualTo(ModelDefinition.MODE_DIRECT);
    }

    @Test
    void containerWithoutArtifactOrImageIsAccepted() {
        // A Sluice host can carry its model in the image (or a model package), as SageMaker allows.
        ModelDefinition model = HostingShapes.parseModel(json("{\"ModelName\":\"m\",\"PrimaryContainer\":{}}"));
        assertThat(model.containers().get(0).image()).isNull();
        assertThat(model.containers().get(0).modelDataUrl()).isNull();
    }

    @Test
    void explicitJsonNullReadsAsAbsent() {
        ModelDefinition model = HostingShapes.parseModel(json("""
                {"ModelName":"m","PrimaryContainer":{"Image":"i","Mode":null,"Environment":null},"Containers":null}"""));
        assertThat(model.containers().get(0).mode()).isEqualTo("SingleModel");
    }

    // --- exactly one of PrimaryContainer / Containers ---

    @Test
    void rejectsBothPrimaryContainerAndContainers() {
        ObjectNode both = with(PIPELINE, "/PrimaryContainer", "{\"Image\":\"i\"}");
        assertValidation(() -> HostingShapes.parseModel(both)).contains("PrimaryContainer").contains("Containers")
                .contains("not both");
    }

    @Test
    void rejectsNeitherPrimaryContainerNorContainers() {
        assertValidation(() -> HostingShapes.parseModel(json("{\"ModelName\":\"m\"}")))
                .contains("'PrimaryContainer'").contains("'Containers'");
    }

    @Test
    void containersLimits() {
        assertRejected(() -> HostingShapes.parseModel(with(PIPELINE, "/Containers", "[]")), "Containers");
        assertThat(HostingShapes.parseModel(withContainers(15)).containers()).hasSize(15);
        assertValidation(() -> HostingShapes.parseModel(withContainers(16))).contains("'Containers'")
                .contains("less than or equal to 15");
    }

    private static ObjectNode withContainers(int count) {
        ObjectNode request = json("{\"ModelName\":\"m\",\"Containers\":[]}");
        ArrayNode containers = (ArrayNode) request.get("Containers");
        for (int i = 0; i < count; i++) {
            containers.addObject().put("ContainerHostname", "c" + i).put("Image", "img");
        }
        return request;
    }

    // --- names ---

    @Test
    void modelNameBoundaries() {
        assertThat(HostingShapes.parseModel(with(SINGLE, "/ModelName", quoted("m".repeat(63)))).modelName())
                .hasSize(63);
        assertValidation(() -> HostingShapes.parseModel(with(SINGLE, "/ModelName", quoted("m".repeat(64)))))
                .contains("'ModelName'").contains("less than or equal to 63");
        assertValidation(() -> HostingShapes.parseModel(with(SINGLE, "/ModelName", "\"\"")))
                .isEqualTo("1 validation error detected: Value '' at 'ModelName' failed to satisfy constraint: "
                        + "Member must have length greater than or equal to 1");
        assertValidation(() -> HostingShapes.parseModel(with(SINGLE, "/ModelName", null)))
                .isEqualTo("1 validation error detected: Value null at 'ModelName' failed to satisfy constraint: "
                        + "Member must not be null");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-model", "model-", "my_model", "my.model", "mödel", " model", "a b"})
    void rejectsModelNamesOutsidePattern(String name) {
        assertValidation(() -> HostingShapes.parseModel(with(SINGLE, "/ModelName", quoted(name))))
                .contains("'ModelName'").contains("regular expression pattern");
    }

    @Test
    void acceptsRepeatedHyphensInsideNames() {
        assertThat(HostingShapes.parseModel(with(SINGLE, "/ModelName", "\"a--b-9\"")).modelName()).isEqualTo("a--b-9");
    }

    @Test
    void containerHostnameBoundaries() {
        String path = "/Containers/0/ContainerHostname";
        assertThat(HostingShapes.parseModel(with(PIPELINE, path, quoted("h".repeat(63)))).containers().get(0)
                .containerHostname()).hasSize(63);
        assertRejected(() -> HostingShapes.parseModel(with(PIPELINE, path, quoted("h".repeat(64)))),
                "Containers.1.ContainerHostname");
        assertRejected(() -> HostingShapes.parseModel(with(PIPELINE, path, "\"bad_host\"")),
                "Containers.1.ContainerHostname");
        assertRejected(() -> HostingShapes.parseModel(with(SINGLE, "/PrimaryContainer/ContainerHostname", "\"\"")),
                "PrimaryContainer.ContainerHostname");
    }

    @Test
    void rejectsDuplicateHostnames() {
        ObjectNode duplicate = with(PIPELINE, "/Containers/1/ContainerHostname", "\"preprocess\"");
        assertValidation(() -> HostingShapes.parseModel(duplicate)).contains("'Containers.2.ContainerHostname'")
                .contains("unique").contains("Containers.1.ContainerHostname");
    }

    @Test
    void directModeNeedsEveryHostname() {
        ObjectNode direct = with(with(PIPELINE, "/InferenceExecutionConfig/Mode", "\"Direct\""),
                "/Containers/1/ContainerHostname", null);
        assertValidation(() -> HostingShapes.parseModel(direct)).contains("Value null at 'Containers.2.ContainerHostname'")
                .contains("Direct");
        // Serial pipelines address containers by position, so a hostname is optional there.
        ObjectNode serial = with(PIPELINE, "/Containers/1/ContainerHostname", null);
        assertThat(HostingShapes.parseModel(serial).containers().get(1).containerHostname()).isNull();
    }

    @Test
    void executionConfigRules() {
        assertRejected(() -> HostingShapes.parseModel(with(PIPELINE, "/InferenceExecutionConfig", "{}")),
                "InferenceExecutionConfig.Mode");
        assertValidation(() -> HostingShapes.parseModel(with(PIPELINE, "/InferenceExecutionConfig/Mode", "\"Parallel\"")))
                .contains("'InferenceExecutionConfig.Mode'").contains("[Serial, Direct]");
        assertRejected(() -> HostingShapes.parseModel(with(PIPELINE, "/InferenceExecutionConfig", "\"Direct\"")),
                "InferenceExecutionConfig");
    }

    // --- container members ---

    @Test
    void imageBoundaries() {
        String path = "/PrimaryContainer/Image";
        assertThat(HostingShapes.parseModel(with(SINGLE, path, quoted("i".repeat(255)))).containers().get(0).image())
                .hasSize(255);
        assertValidation(() -> HostingShapes.parseModel(with(SINGLE, path, quoted("i".repeat(256)))))
                .contains("'PrimaryContainer.Image'").contains("less than or equal to 255");
        assertRejected(() -> HostingShapes.parseModel(with(SINGLE, path, "\"\"")), "PrimaryContainer.Image");
        assertRejected(() -> HostingShapes.parseModel(with(SINGLE, path, "\"my image:1\"")), "PrimaryContainer.Image");
    }

    @Test
    void modelDataUrlBoundaries() {
        String path = "/PrimaryContainer/ModelDataUrl";
        String url1024 = "s3://b/" + "k".repeat(1024 - 7);
        assertThat(HostingShapes.parseModel(with(SINGLE, path, quoted(url1024))).containers().get(0).modelDataUrl())
                .hasSize(1024);
        assertValidation(() -> HostingShapes.parseModel(with(SINGLE, path, quoted(url1024 + "k"))))
                .contains("'PrimaryContainer.ModelDataUrl'").contains("less than or equal to 1024")
                .contains("(1025 characters)");
    }

    @Test
    void modeMustBeKnown() {
        assertValidation(() -> HostingShapes.parseModel(with(SINGLE, "/PrimaryContainer/Mode", "\"multimodel\"")))
                .contains("'PrimaryContainer.Mode'").contains("[SingleModel, MultiModel]");
        assertValidation(() -> HostingShapes.parseModel(with(SINGLE, "/PrimaryContainer/MultiModelConfig",
                "{\"ModelCacheSetting\":\"Off\"}"))).contains("'PrimaryContainer.MultiModelConfig.ModelCacheSetting'");
    }

    @Test
    void multiModelNeedsAnArtifactPrefix() {
        ObjectNode noUrl = json("{\"ModelName\":\"m\",\"PrimaryContainer\":{\"Image\":\"i\",\"Mode\":\"MultiModel\"}}");
        assertValidation(() -> HostingShapes.parseModel(noUrl)).contains("Value null at 'PrimaryContainer.ModelDataUrl'")
                .contains("MultiModel");
    }

    @Test
    void modelDataSourceRules() {
        ObjectNode both = with(PIPELINE, "/Containers/1/ModelDataUrl", "\"s3://b/m.tar.gz\"");
        assertValidation(() -> HostingShapes.parseModel(both)).contains("'Containers.2.ModelDataUrl'")
                .contains("'Containers.2.ModelDataSource'");
        assertRejected(() -> HostingShapes.parseModel(with(PIPELINE, "/Containers/1/ModelDataSource", "{}")),
                "Containers.2.ModelDataSource.S3DataSource");
        assertRejected(() -> HostingShapes.parseModel(with(PIPELINE, "/Containers/1/ModelDataSource/S3DataSource/S3Uri",
                null)), "Containers.2.ModelDataSource.S3DataSource.S3Uri");
        assertRejected(() -> HostingShapes.parseModel(with(PIPELINE,
                "/Containers/1/ModelDataSource/S3DataSource/S3DataType", "\"S3Bucket\"")),
                "Containers.2.ModelDataSource.S3DataSource.S3DataType");
        assertRejected(() -> HostingShapes.parseModel(with(PIPELINE,
                "/Containers/1/ModelDataSource/S3DataSource/CompressionType", "\"Zip\"")),
                "Containers.2.ModelDataSource.S3DataSource.CompressionType");
        assertRejected(() -> HostingShapes.parseModel(with(PIPELINE,
                "/Containers/1/ModelDataSource/S3DataSource/S3Uri", quoted("s3://" + "k".repeat(1020)))),
                "Containers.2.ModelDataSource.S3DataSource.S3Uri");
    }

    @Test
    void environmentIsCheckedWithItsPath() {
        assertValidation(() -> HostingShapes.parseModel(with(PIPELINE, "/Containers/0/Environment/BAD-KEY", "\"v\"")))
                .contains("Value 'BAD-KEY' at 'Containers.1.Environment'").contains("Map keys");
        assertValidation(() -> HostingShapes.parseModel(with(PIPELINE, "/Containers/0/Environment/WORKERS", "4")))
                .contains("'Containers.1.Environment.WORKERS'").contains("must be a string, not a JSON number");
    }

    // --- wrong JSON types ---

    @Test
    void wrongTypesNameTheMember() {
        assertValidation(() -> HostingShapes.parseModel(with(SINGLE, "/ModelName", "42")))
                .isEqualTo("1 validation error detected: Value '42' at 'ModelName' failed to satisfy constraint: "
                        + "Member must be a string, not a JSON number");
        assertRejected(() -> HostingShapes.parseModel(with(SINGLE, "/PrimaryContainer", "\"img\"")), "PrimaryContainer");
        assertRejected(() -> HostingShapes.parseModel(with(PIPELINE, "/Containers", "{}")), "Containers");
        assertRejected(() -> HostingShapes.parseModel(with(PIPELINE, "/Containers/1", "\"img\"")), "Containers.2");
        assertRejected(() -> HostingShapes.parseModel(with(PIPELINE, "/Containers/1", "null")), "Containers.2");
        assertRejected(() -> HostingShapes.parseModel(with(SINGLE, "/PrimaryContainer/Image", "[\"a\"]")),
                "PrimaryContainer.Image");
        assertRejected(() -> HostingShapes.parseModel(with(SINGLE, "/PrimaryContainer/Environment", "[]")),
                "PrimaryContainer.Environment");
        assertRejected(() -> HostingShapes.parseModel(with(SINGLE, "/PrimaryContainer/MultiModelConfig", "true")),
                "PrimaryContainer.MultiModelConfig");
        assertRejected(() -> HostingShapes.parseModel(with(SINGLE, "/PrimaryContainer/ModelDataSource", "\"s3://x\"")),
                "PrimaryContainer.ModelDataSource");
    }

    @Test
    void bodyMustBeAnObject() {
        assertValidation(() -> HostingShapes.parseModel(null)).contains("JSON object");
        assertValidation(() -> HostingShapes.parseModel(HostingFixtures.value("[1]"))).contains("JSON object");
        assertValidation(() -> HostingShapes.parseModel(HostingFixtures.value("\"ModelName\""))).contains("JSON object");
    }

    // --- the records themselves ---

    @Test
    void recordsApplyDefaultsAndValidateWhenBuiltDirectly() {
        ContainerDefinition container = new ContainerDefinition(null, "img", null, null, null, null);
        assertThat(container.mode()).isEqualTo("SingleModel");
        assertThat(container.modelCacheSetting()).isEqualTo("Enabled");
        assertThat(container.environment()).isEmpty();

        ModelDefinition model = new ModelDefinition("m", List.of(container), true, null);
        assertThat(model.executionMode()).isEqualTo("Serial");

        assertRejected(() -> new ContainerDefinition("bad_host", null, null, null, null, null), "ContainerHostname");
        assertRejected(() -> new ContainerDefinition(null, null, "Other", null, null, null), "Mode");
        assertRejected(() -> new ContainerDefinition(null, null, null, null, Map.of("1X", "v"), null), "Environment");
        assertRejected(() -> new ModelDefinition("m", List.of(), false, null), "Containers");
        assertRejected(() -> new ModelDefinition("m", null, false, null), "Containers");
        assertValidation(() -> new ModelDefinition("m", List.of(container, container), true, null))
                .contains("PrimaryContainer");
        ContainerDefinition named = new ContainerDefinition("a", null, null, null, null, null);
        assertRejected(() -> new ModelDefinition("m", List.of(named, named), false, null), "Containers.2.ContainerHostname");
        assertRejected(() -> new ModelDefinition("m", List.of(named, container), false, "Direct"),
                "Containers.2.ContainerHostname");
    }

    @Test
    void recordsAreImmutable() {
        ModelDefinition model = HostingShapes.parseModel(SINGLE);
        assertThatThrownBy(() -> model.containers().add(model.containers().get(0)))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> model.containers().get(0).environment().put("A", "b"))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void parsingIsDeterministic() {
        assertThat(HostingShapes.parseModel(PIPELINE)).isEqualTo(HostingShapes.parseModel(PIPELINE.deepCopy()));
    }
}
