package dev.sluice.core.hosting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Whatever a client sends, the parsers either return a valid record or fail with a ValidationException: never a
 * NullPointerException, ClassCastException or any other exception that would surface as a 500.
 */
class HostingShapesPropertiesTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Set<String> SORT = Set.of("Name", "CreationTime", "Status");

    /** A valid request and the parser it is for. */
    record Sample(String name, ObjectNode request, Function<JsonNode, Object> parser) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Replace (or remove) the {@code where}-th node of a request, counted in document order. */
    record Mutation(int where, JsonNode replacement, boolean remove) {
    }

    private static final List<Sample> SAMPLES = List.of(
            new Sample("model", ParseModelTest.SINGLE, HostingShapes::parseModel),
            new Sample("pipeline", ParseModelTest.PIPELINE, HostingShapes::parseModel),
            new Sample("ab-config", ParseEndpointConfigTest.AB, HostingShapes::parseEndpointConfig),
            new Sample("serverless-config", ParseEndpointConfigTest.SERVERLESS, HostingShapes::parseEndpointConfig),
            new Sample("shadow-config", ParseEndpointConfigTest.SHADOW, HostingShapes::parseEndpointConfig),
            new Sample("canary", ParseDeploymentConfigTest.CANARY_UPDATE,
                    body -> HostingShapes.parseDeploymentConfig(body.get("DeploymentConfig"))),
            new Sample("linear", ParseDeploymentConfigTest.LINEAR, HostingShapes::parseDeploymentConfig),
            new Sample("weights", ParseDesiredWeightsAndCapacitiesTest.SHIFT, HostingShapes::parseDesiredWeightsAndCapacities),
            new Sample("list", ParseListTest.FULL, body -> HostingShapes.parseList(body, SORT, ParseListTest.ENDPOINT_STATUSES)),
            new Sample("name", ParseListTest.FULL, body -> HostingShapes.requireName(body, "NameContains")),
            new Sample("environment", (ObjectNode) ParseModelTest.SINGLE.at("/PrimaryContainer/Environment"),
                    body -> HostingShapes.parseEnvironment(body, "PrimaryContainer.Environment")));

    /** Member names the parsers look for, so random objects reach past the first check. */
    private static final List<String> VOCABULARY = List.of("ModelName", "PrimaryContainer", "Containers", "Image",
            "Mode", "ModelDataUrl", "ModelDataSource", "S3DataSource", "S3Uri", "Environment", "MultiModelConfig",
            "ModelCacheSetting", "ContainerHostname", "InferenceExecutionConfig", "EndpointConfigName",
            "ProductionVariants", "ShadowProductionVariants", "VariantName", "InitialInstanceCount", "InstanceType",
            "InitialVariantWeight", "RoutingConfig", "RoutingStrategy", "ServerlessConfig", "MemorySizeInMB",
            "MaxConcurrency", "ProvisionedConcurrency", "DataCaptureConfig", "InitialSamplingPercentage",
            "CaptureOptions", "CaptureMode", "AsyncInferenceConfig", "ClientConfig", "OutputConfig",
            "BlueGreenUpdatePolicy", "RollingUpdatePolicy", "TrafficRoutingConfiguration", "Type",
            "WaitIntervalInSeconds", "CanarySize", "LinearStepSize", "Value", "TerminationWaitInSeconds",
            "MaximumExecutionTimeoutInSeconds", "AutoRollbackConfiguration", "Alarms", "AlarmName",
            "DesiredWeightsAndCapacities", "DesiredWeight", "DesiredInstanceCount", "ServerlessUpdateConfig",
            "NameContains", "StatusEquals", "SortBy", "SortOrder", "NextToken", "MaxResults", "CreationTimeAfter",
            "CreationTimeBefore", "A_VAR");

    @Provide
    Arbitrary<Sample> samples() {
        return Arbitraries.of(SAMPLES);
    }

    @Provide
    Arbitrary<JsonNode> scalars() {
        return Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(12).map(TextNode::valueOf),
                Arbitraries.of("", " ", "a", "-a", "a_b", "Serial", "Direct", "MultiModel", "SingleModel", "Disabled",
                        "CANARY", "LINEAR", "ALL_AT_ONCE", "CAPACITY_PERCENT", "INSTANCE_COUNT", "RANDOM", "Ascending",
                        "Name", "InService", "Input", "x".repeat(2000)).map(TextNode::valueOf),
                Arbitraries.integers().map(IntNode::valueOf),
                Arbitraries.of(-1, 0, 1, 10, 15, 16, 50, 63, 64, 100, 101, 200, 201, 600, 1000, 1024, 3600, 6144,
                        28800).map(IntNode::valueOf),
                Arbitraries.of(Long.MAX_VALUE, Long.MIN_VALUE, 1L << 31).map(LongNode::valueOf),
                Arbitraries.doubles().map(DoubleNode::valueOf),
                Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 0.5, 1.5, 1e300)
                        .map(DoubleNode::valueOf),
                Arbitraries.of(new BigDecimal("1E+999999999"), new BigDecimal("1E-999999999"),
                        new BigDecimal("-1E-999999999"), new BigDecimal("0E-999999999"), new BigDecimal("2.000"))
                        .map(DecimalNode::valueOf),
                Arbitraries.just(BigIntegerNode.valueOf(BigInteger.TEN.pow(400))),
                Arbitraries.of(BooleanNode.TRUE, BooleanNode.FALSE),
                Arbitraries.just(NullNode.getInstance()));
    }

    @Provide
    Arbitrary<JsonNode> garbage() {
        return tree(3);
    }

    private Arbitrary<JsonNode> tree(int depth) {
        if (depth == 0) {
            return scalars();
        }
        Arbitrary<JsonNode> child = Arbitraries.lazy(() -> tree(depth - 1));
        Arbitrary<JsonNode> arrays = child.list().ofMaxSize(4).map(items -> {
            ArrayNode array = NODES.arrayNode();
            items.forEach(array::add);
            return array;
        });
        Arbitrary<JsonNode> objects = Combinators.combine(Arbitraries.of(VOCABULARY), child).as((name, value) -> Map.entry(name, value)).list()
                .ofMaxSize(5).map(entries -> {
                    ObjectNode object = NODES.objectNode();
                    entries.forEach(e -> object.set(e.getKey(), e.getValue()));
                    return object;
                });
        return Arbitraries.frequencyOf(Tuple.of(3, scalars()), Tuple.of(2, arrays),
                Tuple.of(3, objects));
    }

    @Provide
    Arbitrary<Mutation> mutations() {
        return Combinators.combine(Arbitraries.integers().between(0, 1000), garbage(),
                Arbitraries.integers().between(0, 4).map(i -> i == 0)).as(Mutation::new);
    }

    @Property(tries = 1500)
    void mutatedRequestsParseOrFailWithValidation(@ForAll("samples") Sample sample,
                                                  @ForAll @Size(min = 1, max = 3) List<@From("mutations") Mutation> mutations) {
        ObjectNode request = sample.request().deepCopy();
        for (Mutation mutation : mutations) {
            apply(request, mutation);
        }
        parsesOrRejects(() -> sample.parser().apply(request));
    }

    @Property(tries = 800)
    void randomShapesParseOrFailWithValidation(@ForAll("samples") Sample sample, @ForAll("garbage") JsonNode body) {
        parsesOrRejects(() -> sample.parser().apply(body));
    }

    @Property
    void unmutatedSamplesParse(@ForAll("samples") Sample sample) {
        assertThat(sample.parser().apply(sample.request().deepCopy())).isNotNull();
    }

    /** Serverless memory: valid exactly at the six whole-GiB sizes SageMaker sells. */
    @Property(tries = 300)
    void serverlessMemoryIsWholeGibibytesUpToSix(@ForAll @IntRange(min = -2048, max = 10_000) int memory) {
        ObjectNode request = HostingFixtures.with(ParseEndpointConfigTest.SERVERLESS,
                "/ProductionVariants/0/ServerlessConfig/MemorySizeInMB", String.valueOf(memory));
        boolean valid = memory >= 1024 && memory <= 6144 && memory % 1024 == 0;
        Throwable thrown = catchThrowable(() -> HostingShapes.parseEndpointConfig(request));
        if (valid) {
            assertThat(thrown).isNull();
        } else {
            assertThat(thrown).isInstanceOf(SluiceException.class)
                    .hasMessageContaining("'ProductionVariants.1.ServerlessConfig.MemorySizeInMB'");
        }
    }

    @Property(tries = 300)
    void maxResultsIsOneToOneHundred(@ForAll int maxResults) {
        ObjectNode request = HostingFixtures.with(ParseListTest.FULL, "/MaxResults", String.valueOf(maxResults));
        Throwable thrown = catchThrowable(() -> HostingShapes.parseList(request, SORT));
        if (maxResults >= 1 && maxResults <= 100) {
            assertThat(thrown).isNull();
        } else {
            assertThat(thrown).isInstanceOf(SluiceException.class).hasMessageContaining("'MaxResults'");
        }
    }

    /** Timestamps with up to nanosecond digits come back to the same instant. */
    @Property(tries = 300)
    void timestampsKeepNanoseconds(@ForAll @IntRange(min = -2_000_000_000, max = 2_000_000_000) int seconds,
                                   @ForAll @IntRange(min = 0, max = 999_999_999) int nanos) {
        String epoch = new BigDecimal(BigInteger.valueOf(seconds).multiply(BigInteger.valueOf(1_000_000_000))
                .add(BigInteger.valueOf(nanos)), 9).toPlainString();
        ObjectNode request = HostingFixtures.json("{}");
        request.set("CreationTimeAfter", DecimalNode.valueOf(new BigDecimal(epoch)));
        assertThat(HostingShapes.parseList(request, SORT).creationTimeAfter())
                .isEqualTo(java.time.Instant.ofEpochSecond(seconds, nanos));
    }

    private static void parsesOrRejects(Runnable parse) {
        Throwable thrown = catchThrowable(parse::run);
        if (thrown != null) {
            assertThat(thrown).isInstanceOf(SluiceException.class);
            assertThat(((SluiceException) thrown).code()).isEqualTo(ErrorCode.VALIDATION_EXCEPTION);
            assertThat(thrown.getMessage()).isNotBlank().hasSizeLessThan(2000);
        }
    }

    private static void apply(ObjectNode root, Mutation mutation) {
        List<Location> locations = new ArrayList<>();
        collect(root, locations);
        if (locations.isEmpty()) {
            return;
        }
        Location target = locations.get(mutation.where() % locations.size());
        JsonNode replacement = mutation.replacement().deepCopy();
        if (target.parent() instanceof ObjectNode object) {
            if (mutation.remove()) {
                object.remove(target.key());
            } else {
                object.set(target.key(), replacement);
            }
        } else if (target.parent() instanceof ArrayNode array) {
            if (mutation.remove()) {
                array.remove(target.index());
            } else {
                array.set(target.index(), replacement);
            }
        }
    }

    private record Location(ContainerNode<?> parent, String key, int index) {
    }

    private static void collect(JsonNode node, List<Location> out) {
        if (node instanceof ObjectNode object) {
            for (Map.Entry<String, JsonNode> member : object.properties()) {
                out.add(new Location(object, member.getKey(), -1));
                collect(member.getValue(), out);
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                out.add(new Location(array, null, i));
                collect(array.get(i), out);
            }
        }
    }
}
