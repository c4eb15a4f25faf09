package dev.sluice.recommender;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for a Sluice gateway on loopback (JDK HttpServer): the control-plane operations the recommender uses,
 * {@code /metrics}, OIP v2 model metadata, and endpoints that serve with {@code SAGEMAKER_MODEL_SERVER_WORKERS}
 * parallel "runners" of a fixed service time each, so that capacity is known: workers × 1000 / serviceMillis per
 * second. Admin and data plane share one port.
 */
final class FakeGateway implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(96, r -> {
        Thread t = new Thread(r, "fake-gateway");
        t.setDaemon(true);
        return t;
    });
    final Map<String, JsonNode> models = new ConcurrentHashMap<>();
    final Map<String, JsonNode> configs = new ConcurrentHashMap<>();
    final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
    final List<String> operations = new CopyOnWriteArrayList<>();
    final List<Map<String, String>> deployedEnvironments = new CopyOnWriteArrayList<>();
    final AtomicInteger invocations = new AtomicInteger();
    volatile double serviceMillis = 4;
    volatile long setupMillis = 30;
    volatile int rejectStatus = 0;
    volatile String expectedBody;

    record Endpoint(String name, long createdAt, Semaphore runners) {
    }

    FakeGateway() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    Gateway gateway() {
        return new Gateway(url(), url(), null, null, false);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (path.equals("/") && exchange.getRequestMethod().equals("POST")) {
                String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
                controlPlane(exchange, target.substring("SageMaker.".length()), JSON.readTree(body));
            } else if (path.equals("/metrics")) {
                long cpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                        .getProcessCpuTime();
                reply(exchange, 200, "# TYPE process_cpu_time_ns_total counter\nprocess_cpu_time_ns_total " + cpu
                        + "\nsystem_cpu_count 2.0\njvm_memory_used_bytes{area=\"heap\",id=\"G1 Old Gen\"} 1.0E8\n"
                        + "jvm_memory_used_bytes{area=\"nonheap\",id=\"Metaspace\"} 5.0E7\n");
            } else if (path.startsWith("/v2/models/")) {
                reply(exchange, 200, "{\"name\":\"x\",\"platform\":\"onnxruntime_onnx\",\"inputs\":[{\"name\":\"input\","
                        + "\"datatype\":\"FP32\",\"shape\":[-1,4]}],\"outputs\":[]}");
            } else if (path.startsWith("/endpoints/") && path.endsWith("/invocations")) {
                invoke(exchange, path.substring("/endpoints/".length(), path.length() - "/invocations".length()),
                        new String(body, StandardCharsets.UTF_8));
            } else {
                reply(exchange, 404, "{}");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void invoke(HttpExchange exchange, String name, String body) throws IOException, InterruptedException {
        Endpoint endpoint = endpoints.get(name);
        if (endpoint == null) {
            reply(exchange, 400, "{\"message\":\"no endpoint " + name + "\"}");
            return;
        }
        if (rejectStatus != 0 || (expectedBody != null && !expectedBody.equals(body))) {
            reply(exchange, rejectStatus != 0 ? rejectStatus : 400, "{\"message\":\"bad input\"}");
            return;
        }
        invocations.incrementAndGet();
        endpoint.runners().acquire();
        try {
            long nanos = (long) (serviceMillis * 1_000_000);
            long end = System.nanoTime() + nanos;
            while (System.nanoTime() < end) {
                java.util.concurrent.locks.LockSupport.parkNanos(end - System.nanoTime());
            }
        } finally {
            endpoint.runners().release();
        }
        reply(exchange, 200, "{\"ok\":true}");
    }

    private void controlPlane(HttpExchange exchange, String operation, JsonNode request) throws IOException {
        operations.add(operation);
        switch (operation) {
            case "CreateModel" -> {
                models.put(request.path("ModelName").asText(), request);
                reply(exchange, 200, "{\"ModelArn\":\"arn\"}");
            }
            case "CreateEndpointConfig" -> {
                configs.put(request.path("EndpointConfigName").asText(), request);
                reply(exchange, 200, "{\"EndpointConfigArn\":\"arn\"}");
            }
            case "CreateEndpoint" -> {
                String name = request.path("EndpointName").asText();
                JsonNode config = configs.get(request.path("EndpointConfigName").asText());
                JsonNode model = models.get(config.path("ProductionVariants").get(0).path("ModelName").asText());
                JsonNode env = model.path("PrimaryContainer").path("Environment");
                Map<String, String> map = new java.util.TreeMap<>();
                env.properties().forEach(e -> map.put(e.getKey(), e.getValue().asText()));
                deployedEnvironments.add(map);
                int workers = Integer.parseInt(map.getOrDefault("SAGEMAKER_MODEL_SERVER_WORKERS", "1"));
                endpoints.put(name, new Endpoint(name, System.currentTimeMillis(), new Semaphore(workers, true)));
                reply(exchange, 200, "{\"EndpointArn\":\"arn\"}");
            }
            case "DescribeEndpoint" -> {
                Endpoint e = endpoints.get(request.path("EndpointName").asText());
                if (e == null) {
                    error(exchange, "ValidationException", "Could not find endpoint");
                    return;
                }
                long now = System.currentTimeMillis();
                boolean ready = now - e.createdAt() >= setupMillis;
                ObjectNode out = JSON.createObjectNode().put("EndpointName", e.name())
                        .put("EndpointStatus", ready ? "InService" : "Creating")
                        .put("CreationTime", e.createdAt() / 1000.0)
                        .put("LastModifiedTime", (ready ? e.createdAt() + setupMillis : e.createdAt()) / 1000.0);
                reply(exchange, 200, out.toString());
            }
            case "DeleteEndpoint" -> remove(exchange, endpoints, request.path("EndpointName").asText());
            case "DeleteEndpointConfig" -> remove(exchange, configs, request.path("EndpointConfigName").asText());
            case "DeleteModel" -> remove(exchange, models, request.path("ModelName").asText());
            default -> error(exchange, "UnknownOperationException", operation);
        }
    }

    private static void remove(HttpExchange exchange, Map<String, ?> map, String name) throws IOException {
        if (map.remove(name) == null) {
            error(exchange, "ValidationException", "Could not find " + name);
        } else {
            reply(exchange, 200, "{}");
        }
    }

    private static void error(HttpExchange exchange, String type, String message) throws IOException {
        reply(exchange, 400, JSON.createObjectNode().put("__type", type).put("message", message).toString());
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
