package dev.sluice.modelhost.internal;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Objects;

/**
 * A remote host's base URL taken apart once, so the hot path only concatenates strings.
 *
 * @param url        the base URL as the caller gave it, for messages
 * @param host       the host to connect to (an IPv6 literal without its brackets)
 * @param port       the TCP port (80 when the URL names none)
 * @param hostHeader the {@code Host} header value (RFC 9110 §7.2: the port only when it is not the scheme's default)
 * @param pathPrefix the URL's path without a trailing slash, "" for none
 */
public record RemoteEndpoint(String url, String host, int port, String hostHeader, String pathPrefix) {
    private static final int HTTP_DEFAULT_PORT = 80;

    public RemoteEndpoint {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(hostHeader, "hostHeader");
        Objects.requireNonNull(pathPrefix, "pathPrefix");
    }

    /**
     * Accepts {@code http://host[:port][/prefix]}. TLS is not offered yet: a container behind the gateway is on the
     * cluster network, as SageMaker's are, and a half-configured trust store is worse than a clear refusal.
     */
    public static RemoteEndpoint parse(URI baseUrl) {
        Objects.requireNonNull(baseUrl, "baseUrl");
        String scheme = baseUrl.getScheme();
        if (scheme == null || !baseUrl.isAbsolute() || baseUrl.isOpaque()) {
            throw new IllegalArgumentException("baseUrl must be an absolute http://host:port URL, got " + baseUrl);
        }
        if ("https".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("baseUrl " + baseUrl + ": https remote hosts are not supported yet, use http");
        }
        if (!"http".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("baseUrl must use http, got " + baseUrl);
        }
        String rawHost = baseUrl.getHost();
        if (rawHost == null || rawHost.isEmpty()) {
            throw new IllegalArgumentException("baseUrl must name a host, got " + baseUrl);
        }
        if (baseUrl.getRawUserInfo() != null || baseUrl.getRawQuery() != null || baseUrl.getRawFragment() != null) {
            throw new IllegalArgumentException("baseUrl must not carry user info, a query or a fragment, got " + baseUrl);
        }
        int port = baseUrl.getPort() == -1 ? HTTP_DEFAULT_PORT : baseUrl.getPort();
        String host = rawHost.startsWith("[") && rawHost.endsWith("]") ? rawHost.substring(1, rawHost.length() - 1) : rawHost;
        String hostHeader = port == HTTP_DEFAULT_PORT ? rawHost : rawHost + ":" + port;
        String path = baseUrl.getRawPath() == null ? "" : baseUrl.getRawPath();
        int end = path.length();
        while (end > 0 && path.charAt(end - 1) == '/') {
            end--;
        }
        return new RemoteEndpoint(baseUrl.toString(), host, port, hostHeader, path.substring(0, end));
    }

    /** The request target for {@code path} ("/invocations", "/ping") under this host's prefix. */
    public String target(String path) {
        return pathPrefix + path;
    }

    /** Unresolved, so that the name is resolved by the channel's resolver at connect time, not here. */
    public InetSocketAddress socketAddress() {
        return InetSocketAddress.createUnresolved(host, port);
    }

    /** Connection pools are per (host, port): two prefixes on one container share its connections. */
    public HostKey hostKey() {
        return new HostKey(host, port);
    }

    public record HostKey(String host, int port) {
    }
}
