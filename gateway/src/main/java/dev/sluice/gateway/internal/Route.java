package dev.sluice.gateway.internal;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a request asks for, decided once from method and path before any work is done (route once, up front).
 * {@code name} is the endpoint or model name where the path carries one, else null; {@code allowed} are the methods
 * the path accepts (for the {@code Allow} header of a 405).
 */
public record Route(Kind kind, String name, List<HttpMethod> allowed) {
    public enum Kind {
        PING, INVOKE, V2_SERVER_METADATA, V2_LIVE, V2_READY, V2_MODEL_METADATA, V2_MODEL_READY, V2_INFER,
        /** Multi-model container API (SAGEMAKER-CONTRACT.md §4). */
        MODELS_LIST, MODELS_LOAD, MODEL_DESCRIBE, MODEL_UNLOAD, MODEL_INVOKE,
        /** Batch transform's optional container API (SAGEMAKER-CONTRACT.md §1): {@code GET /execution-parameters}. */
        EXECUTION_PARAMETERS,
        METHOD_NOT_ALLOWED, NOT_FOUND,
        /** A path whose percent-encoding cannot be decoded. */
        MALFORMED
    }

    private static final String ENDPOINTS = "/endpoints/";
    private static final String V2_MODELS = "/v2/models/";
    private static final String MODELS = "/models";

    public Route {
        allowed = allowed == null ? List.of() : List.copyOf(allowed);
    }

    /** The {@code Allow} header value, e.g. {@code GET, POST}. */
    public String allow() {
        return allowed.stream().map(HttpMethod::name).collect(Collectors.joining(", "));
    }

    public static Route of(HttpMethod method, String uri) {
        QueryStringDecoder decoder = new QueryStringDecoder(uri);
        String path;
        try {
            path = trimSlash(decoder.path());
        } catch (IllegalArgumentException e) {
            return new Route(Kind.MALFORMED, null, null);
        }
        switch (path) {
            case "/ping":
                return expect(method, HttpMethod.GET, Kind.PING, null);
            case "/invocations":
                return expect(method, HttpMethod.POST, Kind.INVOKE, null);
            case "/execution-parameters":
                return expect(method, HttpMethod.GET, Kind.EXECUTION_PARAMETERS, null);
            case "/v2":
                return expect(method, HttpMethod.GET, Kind.V2_SERVER_METADATA, null);
            case "/v2/health/live":
                return expect(method, HttpMethod.GET, Kind.V2_LIVE, null);
            case "/v2/health/ready":
                return expect(method, HttpMethod.GET, Kind.V2_READY, null);
            case MODELS:
                return expect(method, Map.of(HttpMethod.GET, Kind.MODELS_LIST, HttpMethod.POST, Kind.MODELS_LOAD),
                        null);
            default:
                break;
        }
        if (path.startsWith(ENDPOINTS) && path.endsWith("/invocations")) {
            String name = path.substring(ENDPOINTS.length(), path.length() - "/invocations".length());
            if (!name.isEmpty() && name.indexOf('/') < 0) {
                return expect(method, HttpMethod.POST, Kind.INVOKE, name);
            }
        }
        String rawPath = trimSlash(decoder.rawPath());
        if (rawPath.startsWith(MODELS + "/")) {
            return modelRoute(method, rawPath);
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

    /**
     * {@code /models/{name}} and {@code /models/{name}/invoke}. Multi-model names are relative paths such as
     * {@code dir/model.tar.gz}, which reach us percent-encoded ({@code dir%2Fmodel.tar.gz}); the raw path is split
     * before decoding so that an encoded slash stays part of the name.
     */
    private static Route modelRoute(HttpMethod method, String rawPath) {
        String[] parts = rawPath.substring(MODELS.length() + 1).split("/", -1);
        String name;
        try {
            name = decodeSegment(parts[0]);
        } catch (IllegalArgumentException e) {
            return new Route(Kind.MALFORMED, null, null);
        }
        if (name.isEmpty()) {
            return new Route(Kind.NOT_FOUND, null, null);
        }
        if (parts.length == 1) {
            return expect(method, Map.of(HttpMethod.GET, Kind.MODEL_DESCRIBE, HttpMethod.DELETE, Kind.MODEL_UNLOAD),
                    name);
        }
        if (parts.length == 2 && parts[1].equals("invoke")) {
            return expect(method, HttpMethod.POST, Kind.MODEL_INVOKE, name);
        }
        return new Route(Kind.NOT_FOUND, null, null);
    }

    /** RFC 3986 path segment: unlike a query, {@code +} is a plus sign, not a space. */
    private static String decodeSegment(String raw) {
        return QueryStringDecoder.decodeComponent(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String trimSlash(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static Route expect(HttpMethod method, HttpMethod allowed, Kind kind, String name) {
        return expect(method, Map.of(allowed, kind), name);
    }

    /** {@code byMethod}: what each accepted method asks for; HEAD is accepted wherever GET is. */
    private static Route expect(HttpMethod method, Map<HttpMethod, Kind> byMethod, String name) {
        List<HttpMethod> allowed = byMethod.keySet().stream().sorted().toList();
        Kind kind = byMethod.get(method);
        if (kind == null && method.equals(HttpMethod.HEAD)) {
            kind = byMethod.get(HttpMethod.GET);
        }
        return kind != null ? new Route(kind, name, allowed) : new Route(Kind.METHOD_NOT_ALLOWED, name, allowed);
    }
}
