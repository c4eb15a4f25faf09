package dev.sluice.core.hosting;

import static dev.sluice.core.hosting.HostingFixtures.assertRejected;
import static dev.sluice.core.hosting.HostingFixtures.assertValidation;
import static dev.sluice.core.hosting.HostingFixtures.json;
import static dev.sluice.core.hosting.HostingFixtures.quoted;
import static dev.sluice.core.hosting.HostingFixtures.with;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ParseListTest {
    /** ListEndpoints' SortBy enum. */
    static final Set<String> ENDPOINT_SORT = Set.of("Name", "CreationTime", "Status");
    static final Set<String> ENDPOINT_STATUSES = Set.of("OutOfService", "Creating", "Updating", "SystemUpdating",
            "RollingBack", "InService", "Deleting", "Failed", "UpdateRollbackFailed");

    /** A second page of the Java SDK's ListEndpoints paginator with every filter set. */
    static final ObjectNode FULL = json("""
            {"SortBy":"Name","SortOrder":"Ascending","NextToken":"eyJvZmZzZXQiOjEwfQ==","MaxResults":25,
             "NameContains":"churn","CreationTimeBefore":1718000000,"CreationTimeAfter":1717000000.125,
             "LastModifiedTimeAfter":1716000000,"StatusEquals":"InService"}""");

    @Test
    void emptyRequestGetsDefaults() {
        ListRequest request = HostingShapes.parseList(json("{}"), ENDPOINT_SORT);
        assertThat(request).isEqualTo(ListRequest.defaults());
        assertThat(request.sortBy()).isEqualTo("CreationTime");
        assertThat(request.descending()).isTrue();
        assertThat(request.maxResults()).isEqualTo(10);
        assertThat(request.nameContains()).isNull();
        assertThat(request.creationTimeAfter()).isNull();
    }

    @Test
    void parsesEveryMember() {
        ListRequest request = HostingShapes.parseList(FULL, ENDPOINT_SORT, ENDPOINT_STATUSES);
        assertThat(request).isEqualTo(new ListRequest("churn", "InService", "Name", false, "eyJvZmZzZXQiOjEwfQ==", 25,
                Instant.ofEpochSecond(1717000000L, 125_000_000), Instant.ofEpochSecond(1718000000L)));
    }

    @ParameterizedTest(name = "MaxResults {0} -> valid: {1}")
    @CsvSource({"1, true", "100, true", "0, false", "101, false", "-1, false", "'\"10\"', false", "10.5, false",
            "99999999999, false"})
    void maxResults(String json, boolean valid) {
        ObjectNode request = with(FULL, "/MaxResults", json);
        if (valid) {
            assertThat(HostingShapes.parseList(request, ENDPOINT_SORT).maxResults()).isEqualTo(Integer.parseInt(json));
        } else {
            assertRejected(() -> HostingShapes.parseList(request, ENDPOINT_SORT), "MaxResults");
        }
    }

    @Test
    void sortOrder() {
        assertThat(HostingShapes.parseList(with(FULL, "/SortOrder", "\"Descending\""), ENDPOINT_SORT).descending()).isTrue();
        assertThat(HostingShapes.parseList(with(FULL, "/SortOrder", "\"Ascending\""), ENDPOINT_SORT).descending()).isFalse();
        assertValidation(() -> HostingShapes.parseList(with(FULL, "/SortOrder", "\"ascending\""), ENDPOINT_SORT))
                .contains("'SortOrder'").contains("[Ascending, Descending]");
    }

    @Test
    void sortByIsCheckedAgainstTheOperationsSet() {
        assertValidation(() -> HostingShapes.parseList(with(FULL, "/SortBy", "\"Status\""), Set.of("Name", "CreationTime")))
                .contains("Value 'Status' at 'SortBy'").contains("[CreationTime, Name]");
        assertThat(HostingShapes.parseList(with(FULL, "/SortBy", "\"Status\""), ENDPOINT_SORT).sortBy()).isEqualTo("Status");
        assertRejected(() -> HostingShapes.parseList(with(FULL, "/SortBy", "1"), ENDPOINT_SORT), "SortBy");
    }

    @Test
    void statusEqualsIsCheckedOnlyWhenStatusesAreGiven() {
        ObjectNode unknown = with(FULL, "/StatusEquals", "\"Sleeping\"");
        assertThat(HostingShapes.parseList(unknown, ENDPOINT_SORT).statusEquals()).isEqualTo("Sleeping");
        assertRejected(() -> HostingShapes.parseList(unknown, ENDPOINT_SORT, ENDPOINT_STATUSES), "StatusEquals");
        assertRejected(() -> HostingShapes.parseList(with(FULL, "/StatusEquals", "[]"), ENDPOINT_SORT), "StatusEquals");
    }

    @Test
    void nameContainsLimits() {
        assertThat(HostingShapes.parseList(with(FULL, "/NameContains", quoted("n".repeat(63))), ENDPOINT_SORT).nameContains())
                .hasSize(63);
        assertRejected(() -> HostingShapes.parseList(with(FULL, "/NameContains", quoted("n".repeat(64))), ENDPOINT_SORT),
                "NameContains");
        assertRejected(() -> HostingShapes.parseList(with(FULL, "/NameContains", "\"\""), ENDPOINT_SORT), "NameContains");
        assertRejected(() -> HostingShapes.parseList(with(FULL, "/NameContains", "\"churn*\""), ENDPOINT_SORT),
                "NameContains");
        assertThat(HostingShapes.parseList(with(FULL, "/NameContains", "\"-v2\""), ENDPOINT_SORT).nameContains())
                .isEqualTo("-v2");
    }

    @Test
    void nextTokenLimit() {
        assertThat(HostingShapes.parseList(with(FULL, "/NextToken", quoted("t".repeat(8192))), ENDPOINT_SORT).nextToken())
                .hasSize(8192);
        assertRejected(() -> HostingShapes.parseList(with(FULL, "/NextToken", quoted("t".repeat(8193))), ENDPOINT_SORT),
                "NextToken");
        assertRejected(() -> HostingShapes.parseList(with(FULL, "/NextToken", "12"), ENDPOINT_SORT), "NextToken");
    }

    @Test
    void timestampsAreEpochSeconds() {
        assertThat(HostingShapes.parseList(with(FULL, "/CreationTimeAfter", "0"), ENDPOINT_SORT).creationTimeAfter())
                .isEqualTo(Instant.EPOCH);
        assertThat(HostingShapes.parseList(with(FULL, "/CreationTimeAfter", "-1.5"), ENDPOINT_SORT).creationTimeAfter())
                .isEqualTo(Instant.ofEpochSecond(-2, 500_000_000));
        assertThat(HostingShapes.parseList(with(FULL, "/CreationTimeAfter", "1.7E9"), ENDPOINT_SORT).creationTimeAfter())
                .isEqualTo(Instant.ofEpochSecond(1_700_000_000L));
        assertThat(HostingShapes.parseList(with(FULL, "/CreationTimeBefore", "1700000000.000001"), ENDPOINT_SORT)
                .creationTimeBefore()).isEqualTo(Instant.ofEpochSecond(1_700_000_000L, 1_000));
    }

    @Test
    void timestampsOfTheWrongKindAreRejected() {
        assertValidation(() -> HostingShapes.parseList(with(FULL, "/CreationTimeAfter", "\"2024-06-01T00:00:00Z\""),
                ENDPOINT_SORT)).contains("'CreationTimeAfter'").contains("epoch seconds");
        assertRejected(() -> HostingShapes.parseList(with(FULL, "/CreationTimeBefore", "1e300"), ENDPOINT_SORT),
                "CreationTimeBefore");
        assertRejected(() -> HostingShapes.parseList(with(FULL, "/CreationTimeBefore", "-99999999999999999999"), ENDPOINT_SORT),
                "CreationTimeBefore");
        assertRejected(() -> HostingShapes.parseList(with(FULL, "/CreationTimeBefore", "1e400"), ENDPOINT_SORT),
                "CreationTimeBefore");
    }

    @Test
    void recordValidatesWhenBuiltDirectly() {
        assertRejected(() -> new ListRequest(null, null, null, true, null, 0, null, null), "MaxResults");
        assertRejected(() -> new ListRequest("a b", null, null, true, null, 10, null, null), "NameContains");
        assertThat(new ListRequest(null, null, null, true, null, 10, null, null).sortBy()).isEqualTo("CreationTime");
    }
}
