package dev.sluice.core.hosting;

import java.time.Instant;
import java.util.regex.Pattern;

/**
 * The common part of ListEndpoints, ListEndpointConfigs and ListModels.
 *
 * @param nameContains        substring filter on the name, or null
 * @param statusEquals        status filter (ListEndpoints), or null
 * @param sortBy              the sort key, default {@value #DEFAULT_SORT_BY}
 * @param descending          {@code SortOrder}: true for Descending (the default)
 * @param nextToken           opaque token from a previous page, or null
 * @param maxResults          page size, 1–100, default {@value #DEFAULT_MAX_RESULTS}
 * @param creationTimeAfter   only resources created after this instant, or null
 * @param creationTimeBefore  only resources created before this instant, or null
 */
public record ListRequest(String nameContains, String statusEquals, String sortBy, boolean descending, String nextToken,
                          int maxResults, Instant creationTimeAfter, Instant creationTimeBefore) {
    public static final String DEFAULT_SORT_BY = "CreationTime";
    public static final int DEFAULT_MAX_RESULTS = 10;
    public static final int MAX_MAX_RESULTS = 100;
    public static final int MAX_NEXT_TOKEN_LENGTH = 8192;
    public static final String SORT_ASCENDING = "Ascending";
    public static final String SORT_DESCENDING = "Descending";
    /** SageMaker's NameContains: characters a name can hold, so a filter that could match nothing is an error. */
    public static final Pattern NAME_CONTAINS = Pattern.compile("[a-zA-Z0-9-]+");

    public ListRequest {
        Check.length("NameContains", nameContains, 1, HostingShapes.MAX_NAME_LENGTH);
        Check.pattern("NameContains", nameContains, NAME_CONTAINS);
        Check.length("StatusEquals", statusEquals, 1, Integer.MAX_VALUE);
        sortBy = sortBy == null ? DEFAULT_SORT_BY : sortBy;
        Check.length("SortBy", sortBy, 1, Integer.MAX_VALUE);
        Check.length("NextToken", nextToken, 0, MAX_NEXT_TOKEN_LENGTH);
        Check.range("MaxResults", maxResults, 1, MAX_MAX_RESULTS);
    }

    /** The first page with every default: what a request with no members asks for. */
    public static ListRequest defaults() {
        return new ListRequest(null, null, DEFAULT_SORT_BY, true, null, DEFAULT_MAX_RESULTS, null, null);
    }
}
