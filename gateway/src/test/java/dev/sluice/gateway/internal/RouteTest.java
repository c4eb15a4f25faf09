package dev.sluice.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;

class RouteTest {
    @Test
    void sageMakerRoutes() {
        assertThat(Route.of(HttpMethod.GET, "/ping").kind()).isEqualTo(Route.Kind.PING);
        assertThat(Route.of(HttpMethod.GET, "/execution-parameters").kind())
                .isEqualTo(Route.Kind.EXECUTION_PARAMETERS);
        assertThat(Route.of(HttpMethod.POST, "/execution-parameters").kind())
                .isEqualTo(Route.Kind.METHOD_NOT_ALLOWED);
        assertThat(Route.of(HttpMethod.POST, "/invocations").kind()).isEqualTo(Route.Kind.INVOKE);
        assertThat(Route.of(HttpMethod.POST, "/invocations?x=1").kind()).isEqualTo(Route.Kind.INVOKE);
        Route named = Route.of(HttpMethod.POST, "/endpoints/my-endpoint/invocations");
        assertThat(named.kind()).isEqualTo(Route.Kind.INVOKE);
        assertThat(named.name()).isEqualTo("my-endpoint");
        assertThat(Route.of(HttpMethod.POST, "/endpoints//invocations").kind()).isEqualTo(Route.Kind.NOT_FOUND);
        assertThat(Route.of(HttpMethod.POST, "/endpoints/a/b/invocations").kind()).isEqualTo(Route.Kind.NOT_FOUND);
        assertThat(Route.of(HttpMethod.GET, "/invocations").kind()).isEqualTo(Route.Kind.METHOD_NOT_ALLOWED);
        assertThat(Route.of(HttpMethod.HEAD, "/ping").kind()).isEqualTo(Route.Kind.PING);
    }

    @Test
    void openInferenceProtocolRoutes() {
        assertThat(Route.of(HttpMethod.GET, "/v2/health/live").kind()).isEqualTo(Route.Kind.V2_LIVE);
        assertThat(Route.of(HttpMethod.GET, "/v2/health/ready").kind()).isEqualTo(Route.Kind.V2_READY);
        assertThat(Route.of(HttpMethod.GET, "/v2").kind()).isEqualTo(Route.Kind.V2_SERVER_METADATA);
        assertThat(Route.of(HttpMethod.GET, "/v2/models/m").kind()).isEqualTo(Route.Kind.V2_MODEL_METADATA);
        assertThat(Route.of(HttpMethod.GET, "/v2/models/m/ready").kind()).isEqualTo(Route.Kind.V2_MODEL_READY);
        Route infer = Route.of(HttpMethod.POST, "/v2/models/m/versions/1/infer");
        assertThat(infer.kind()).isEqualTo(Route.Kind.V2_INFER);
        assertThat(infer.name()).isEqualTo("m");
        assertThat(Route.of(HttpMethod.GET, "/v2/models/m/infer").kind()).isEqualTo(Route.Kind.METHOD_NOT_ALLOWED);
    }

    @Test
    void multiModelContainerApiRoutes() {
        assertThat(Route.of(HttpMethod.GET, "/models?max_results=2").kind()).isEqualTo(Route.Kind.MODELS_LIST);
        assertThat(Route.of(HttpMethod.POST, "/models/").kind()).isEqualTo(Route.Kind.MODELS_LOAD);
        Route describe = Route.of(HttpMethod.GET, "/models/m1");
        assertThat(describe.kind()).isEqualTo(Route.Kind.MODEL_DESCRIBE);
        assertThat(describe.name()).isEqualTo("m1");
        assertThat(Route.of(HttpMethod.DELETE, "/models/m1").kind()).isEqualTo(Route.Kind.MODEL_UNLOAD);
        Route invoke = Route.of(HttpMethod.POST, "/models/dir%2Fmodel+1.tar.gz/invoke");
        assertThat(invoke.kind()).isEqualTo(Route.Kind.MODEL_INVOKE);
        assertThat(invoke.name()).isEqualTo("dir/model+1.tar.gz");
        assertThat(Route.of(HttpMethod.GET, "/models/dir/model.tar.gz").kind()).isEqualTo(Route.Kind.NOT_FOUND);
        assertThat(Route.of(HttpMethod.GET, "/models//invoke").kind()).isEqualTo(Route.Kind.NOT_FOUND);
        Route wrong = Route.of(HttpMethod.PUT, "/models");
        assertThat(wrong.kind()).isEqualTo(Route.Kind.METHOD_NOT_ALLOWED);
        assertThat(wrong.allow()).isEqualTo("GET, POST");
        assertThat(Route.of(HttpMethod.PATCH, "/models/m").allow()).isEqualTo("DELETE, GET");
        assertThat(Route.of(HttpMethod.HEAD, "/models/m").kind()).isEqualTo(Route.Kind.MODEL_DESCRIBE);
        assertThat(Route.of(HttpMethod.GET, "/models/%zz").kind()).isEqualTo(Route.Kind.MALFORMED);
        assertThat(Route.of(HttpMethod.GET, "/ping%").kind()).isEqualTo(Route.Kind.MALFORMED);
    }
}
