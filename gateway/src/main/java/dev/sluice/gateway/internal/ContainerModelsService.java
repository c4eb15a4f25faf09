package dev.sluice.gateway.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.modelhost.MultiModelHost;
import io.netty.buffer.ByteBufInputStream;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The multi-model container API of a model host (SAGEMAKER-CONTRACT.md §4) over one {@link MultiModelHost}:
 * {@code POST /models} loads, {@code GET /models[/{name}]} lists and describes, {@code DELETE /models/{name}} unloads
 * and {@code POST /models/{name}/invoke} infers. Everything the request holds is read before {@link #serve} returns
 * (the caller releases the request then); loads, unloads and invocations complete on the host's threads and the
 * response is built there. Failures are {@link SluiceException}s for {@link ErrorResponses}: 400 bad body, 404 not
 * loaded, 409 already loaded, 507 over the memory budget.
 */
public final class ContainerModelsService {
    /** Most entries one {@code GET /models} page holds (and its default page size). */
    static final int MAX_RESULTS = 1000;
    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Base64.Encoder TOKEN_ENCODER = Base64.getUrlEncoder().withoutPadding();

    private final MultiModelHost host;

    public ContainerModelsService(MultiModelHost host) {
        this.host = Objects.requireNonNull(host, "host");
    }

    /** @param route one of the {@code MODELS_*}/{@code MODEL_*} routes */
    public CompletionStage<FullHttpResponse> serve(Route route, FullHttpRequest request) {
        return switch (route.kind()) {
            case MODELS_LIST -> CompletableFuture.completedFuture(list(request.uri()));
            case MODELS_LOAD -> load(request);
            case MODEL_DESCRIBE -> CompletableFuture.completedFuture(describe(route.name()));
            case MODEL_UNLOAD -> host.unload(route.name())
                    .thenApply(ignored -> status("Model \"" + route.name() + "\" unloaded"));
            case MODEL_INVOKE -> host.invoke(route.name(), InvocationMessages.toInferenceRequest(request, false))
                    .thenApply(response -> InvocationMessages.toHttpResponse(response, null));
            default -> throw new IllegalArgumentException("not a container API route: " + route);
        };
    }

    private CompletionStage<FullHttpResponse> load(FullHttpRequest request) {
        JsonNode body;
        try {
            body = MAPPER.readTree(new ByteBufInputStream(request.content().duplicate()));
        } catch (JsonProcessingException e) {
            throw SluiceException.validation("the body of POST /models must be JSON {\"model_name\": ..., \"url\": "
                    + "...}: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (body == null || !body.isObject()) {
            throw SluiceException.validation("the body of POST /models must be a JSON object {\"model_name\": ..., "
                    + "\"url\": ...}");
        }
        String name = text(body, "model_name");
        String url = text(body, "url");
        return host.load(name, url).thenApply(loaded -> status("Model \"" + loaded.name() + "\" loaded"));
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw SluiceException.validation("POST /models: '" + field + "' must be a non-empty string");
        }
        return value.asText();
    }

    private FullHttpResponse describe(String name) {
        MultiModelHost.LoadedModel model = host.model(name).orElseThrow(() -> new SluiceException(
                ErrorCode.NOT_FOUND, "model '" + name + "' is not loaded"));
        return InvocationMessages.json(HttpResponseStatus.OK, write(g -> writeModel(g, model)));
    }

    /**
     * Models in name order (as the host lists them), {@code max_results} at a time. The page token is the last name of the previous page, so
     * a page stays correct while models are loaded and unloaded between calls (an offset would skip or repeat).
     */
    private FullHttpResponse list(String uri) {
        QueryStringDecoder query = new QueryStringDecoder(uri);
        int maxResults = maxResults(first(query, "max_results"));
        String after = after(first(query, "next_page_token"));
        List<MultiModelHost.LoadedModel> models = host.models().stream()
                .filter(m -> after == null || m.name().compareTo(after) > 0)
                .toList();
        List<MultiModelHost.LoadedModel> page = models.subList(0, Math.min(maxResults, models.size()));
        String next = page.size() < models.size() ? TOKEN_ENCODER.encodeToString(
                page.get(page.size() - 1).name().getBytes(StandardCharsets.UTF_8)) : null;
        return InvocationMessages.json(HttpResponseStatus.OK, write(g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("models");
            for (MultiModelHost.LoadedModel model : page) {
                writeModel(g, model);
            }
            g.writeEndArray();
            if (next != null) {
                g.writeStringField("nextPageToken", next);
            }
            g.writeEndObject();
        }));
    }

    private static String first(QueryStringDecoder query, String name) {
        List<String> values = query.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static int maxResults(String value) {
        if (value == null) {
            return MAX_RESULTS;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= 1 && n <= MAX_RESULTS) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw SluiceException.validation("max_results must be an integer in [1, " + MAX_RESULTS + "], got '"
                + value + "'");
    }

    private static String after(String token) {
        if (token == null || token.isEmpty()) {
            return null;
        }
        try {
            return new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw SluiceException.validation("next_page_token '" + token + "' is not a token this host issued");
        }
    }

    private static void writeModel(JsonGenerator g, MultiModelHost.LoadedModel model) throws IOException {
        g.writeStartObject();
        g.writeStringField("modelName", model.name());
        g.writeStringField("modelUrl", model.url());
        g.writeEndObject();
    }

    /** What load and unload answer, in the multi-model-server toolkit's words. */
    private static FullHttpResponse status(String message) {
        return InvocationMessages.json(HttpResponseStatus.OK, write(g -> {
            g.writeStartObject();
            g.writeStringField("status", message);
            g.writeEndObject();
        }));
    }

    private interface JsonWriter {
        void write(JsonGenerator generator) throws IOException;
    }

    private static byte[] write(JsonWriter writer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            writer.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
