package dev.sluice.gateway.internal;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;

/**
 * What a request asks for, decided once from method and path before any work is done (route once, up front).
 * {@code name} is the endpoint or model name where the path carries one, else null.
 */
public record Route(Kind kind, String name, HttpMethod allowed) {
    public enum Kind {
        PING, INVOKE, V2_SERVER_METADATA, V2_LIVE, V2_READY, V2_MODEL_METADATA, V2_MODEL_READY, V2_INFER,
        METHOD_NOT_ALLOWED, NOT_FOUND
    }

    private static final String ENDPOINTS = "/endpoints/";
    private static final String V2_MODELS = "/v2/models/";

    public static Route of(HttpMethod method, String uri) {
        String path = new QueryStringDecoder(uri).path();
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        switch (path) {
            case "/ping":
                return expect(method, HttpMethod.GET, Kind.PING, null);
            case "/invocations":
                return expect(method, HttpMethod.POST, Kind.INVOKE, null);
            case "/v2":
                return expect(method, HttpMethod.GET, Kind.V2_SERVER_METADATA, null);
            case "/v2/health/live":
                return expect(method, HttpMethod.GET, Kind.V2_LIVE, null);
            case "/v2/health/ready":
                return expect(method, HttpMethod.GET, Kind.V2_READY, null);
            default:
                break;
        }
        if (path.startsWith(ENDPOINTS) && path.endsWith("/invocations")) {
            String name = path.substring(ENDPOINTS.length(), path.length() - "/invocations".length());
            if (!name.isEmpty() && name.indexOf('/') < 0) {
                return expect(method, HttpMethod.POST, Kind.INVOKE, name);
            }
        }
        if (path.startsWith(V2_MODELS)) {
            String[] parts = path.substring(V2_MODELS.length()).split("/");
            // /v2/models/{name}[/versions/{v}][/ready|/infer]
            int i = 1;
            if (parts.length >= 3 && parts[1].equals("versions")) {
                i = 3;
            }
            String name = parts[0];
            if (!name.isEmpty()) {
                if (parts.length == i) {
                    return expect(method, HttpMethod.GET, Kind.V2_MODEL_METADATA, name);
                }
                if (parts.length == i + 1 && parts[i].equals("ready")) {
                    return expect(method, HttpMethod.GET, Kind.V2_MODEL_READY, name);
                }
                if (parts.length == i + 1 && parts[i].equals("infer")) {
                    return expect(method, HttpMethod.POST, Kind.V2_INFER, name);
                }
            }
        }
        return new Route(Kind.NOT_FOUND, null, null);
    }

    private static Route expect(HttpMethod method, HttpMethod allowed, Kind kind, String name) {
        boolean ok = method.equals(allowed) || (allowed.equals(HttpMethod.GET) && method.equals(HttpMethod.HEAD));
        return ok ? new Route(kind, name, allowed) : new Route(Kind.METHOD_NOT_ALLOWED, name, allowed);
    }
}
