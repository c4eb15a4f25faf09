package dev.sluice.gateway.control.internal;

import dev.sluice.autoscaler.ApplicationAutoScalingService;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.gateway.control.ControlPlane;
import dev.sluice.gateway.internal.ErrorResponses;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The control plane on the admin port: SageMaker's awsJson1_1 protocol ({@code POST /} with
 * {@code X-Amz-Target: SageMaker.<Operation>}), plus Sluice's own rollback alarms and shadow reports. Work runs on
 * the control-plane thread; the reply is written back on the Vert.x context that received the request.
 */
public final class ControlPlaneRoutes {
    static final String TARGET_HEADER = "X-Amz-Target";
    static final String TARGET_PREFIX = "SageMaker.";
    static final String AUTOSCALING_PREFIX = ApplicationAutoScalingService.TARGET_PREFIX;
    static final String AWS_JSON = "application/x-amz-json-1.1";
    /** Far above any SageMaker control-plane request (the largest, CreateModel with 15 containers, is tens of KB). */
    private static final long MAX_BODY = 1 << 20;

    private ControlPlaneRoutes() {
    }

    public static void install(Router router, ControlPlane controlPlane, ObjectMapper json) {
        BodyHandler body = BodyHandler.create(false).setBodyLimit(MAX_BODY);
        router.post("/").handler(body).handler(ctx -> {
            String target = ctx.request().getHeader(TARGET_HEADER);
            // Two services share the port, as they share the AWS endpoint-override a client is given: SageMaker's
            // control plane and Application Auto Scaling (which scales its variants).
            String prefix = target == null ? null : target.startsWith(TARGET_PREFIX) ? TARGET_PREFIX
                    : target.startsWith(AUTOSCALING_PREFIX) ? AUTOSCALING_PREFIX : null;
            if (prefix == null || target.length() == prefix.length()) {
                fail(ctx, new SluiceException(ErrorCode.UNKNOWN_OPERATION, target == null
                        ? "missing " + TARGET_HEADER + " header; expected SageMaker.<Operation> or "
                        + AUTOSCALING_PREFIX + "<Operation>"
                        : "unknown service target '" + target + "'; expected SageMaker.<Operation> or "
                        + AUTOSCALING_PREFIX + "<Operation>"), AWS_JSON);
                return;
            }
            JsonNode request;
            try {
                Buffer buffer = ctx.body().buffer();
                request = buffer == null || buffer.length() == 0 ? json.createObjectNode()
                        : json.readTree(buffer.getBytes());
                if (!request.isObject()) {
                    throw new IOException("the request body must be a JSON object");
                }
            } catch (IOException e) {
                fail(ctx, new SluiceException(ErrorCode.SERIALIZATION, "request body is not valid JSON: "
                        + e.getMessage()), AWS_JSON);
                return;
            }
            String operation = target.substring(prefix.length());
            reply(ctx, () -> prefix.equals(TARGET_PREFIX) ? controlPlane.invoke(operation, request)
                    : controlPlane.autoScaling(operation, request), json, AWS_JSON);
        });
        router.get("/endpoints/:name/shadow-report").handler(ctx -> reply(ctx, () -> controlPlane
                .shadowReport(ctx.pathParam("name")).thenApply(report -> json.valueToTree(report.orElseThrow(
                        () -> new SluiceException(ErrorCode.VALIDATION_EXCEPTION, "endpoint "
                                + ctx.pathParam("name") + " has no shadow variant")))), json, "application/json"));
        router.get("/alarms").handler(ctx -> reply(ctx, controlPlane::listAlarms, json, "application/json"));
        router.put("/alarms/:name").handler(body).handler(ctx -> {
            JsonNode definition;
            try {
                Buffer buffer = ctx.body().buffer();
                definition = buffer == null ? null : json.readTree(buffer.getBytes());
            } catch (IOException e) {
                fail(ctx, new SluiceException(ErrorCode.SERIALIZATION, "alarm body is not valid JSON: "
                        + e.getMessage()), "application/json");
                return;
            }
            reply(ctx, () -> controlPlane.putAlarm(ctx.pathParam("name"), definition), json, "application/json");
        });
        router.delete("/alarms/:name").handler(ctx -> reply(ctx, () -> controlPlane.deleteAlarm(
                ctx.pathParam("name")), json, "application/json"));
    }

    private static void reply(RoutingContext ctx, Supplier<CompletionStage<? extends Object>> work,
                              ObjectMapper json, String contentType) {
        Context context = ctx.vertx().getOrCreateContext();
        CompletionStage<? extends Object> stage;
        try {
            stage = work.get();
        } catch (RuntimeException e) {
            fail(ctx, e, contentType);
            return;
        }
        stage.whenComplete((result, failure) -> context.runOnContext(ignored -> {
            if (failure != null) {
                fail(ctx, failure, contentType);
                return;
            }
            try {
                ctx.response().setStatusCode(200).putHeader("Content-Type", contentType)
                        .end(Buffer.buffer(json.writeValueAsBytes(result)));
            } catch (IOException e) {
                fail(ctx, e, contentType);
            }
        }));
    }

    private static void fail(RoutingContext ctx, Throwable failure, String contentType) {
        SluiceException e = ErrorResponses.classify(failure);
        ctx.response().setStatusCode(e.code().httpStatus())
                .putHeader("Content-Type", contentType)
                .putHeader(ErrorResponses.ERROR_TYPE_HEADER, e.code().type())
                .end(Buffer.buffer(ErrorResponses.body(e)));
    }
}
