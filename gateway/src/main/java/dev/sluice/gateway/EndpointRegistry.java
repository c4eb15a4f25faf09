package dev.sluice.gateway;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The endpoints the data plane can route to, looked up once per request. An endpoint may be registered as
 * expected (configured but still loading) before it is ready; {@code /ping} answers 200 only when every expected
 * default endpoint is ready.
 */
public final class EndpointRegistry {
    private final ConcurrentMap<String, Endpoint> ready = new ConcurrentHashMap<>();
    private final List<String> expected = new CopyOnWriteArrayList<>();
    private volatile String defaultName;

    /** Declares an endpoint that will be served once loaded; the first one declared is the default. */
    public void expect(String name) {
        if (!expected.contains(name)) {
            expected.add(name);
        }
        if (defaultName == null) {
            defaultName = name;
        }
    }

    public void register(Endpoint endpoint) {
        expect(endpoint.name());
        ready.put(endpoint.name(), endpoint);
    }

    /** Stops routing to an endpoint (it was deleted); requests already dispatched to it finish. */
    public void unregister(String name) {
        ready.remove(name);
        expected.remove(name);
        if (name.equals(defaultName)) {
            defaultName = expected.isEmpty() ? null : expected.get(0);
        }
    }

    public Optional<Endpoint> get(String name) {
        return Optional.ofNullable(ready.get(name));
    }

    public boolean isExpected(String name) {
        return expected.contains(name);
    }

    public Optional<String> defaultName() {
        return Optional.ofNullable(defaultName);
    }

    public Optional<Endpoint> defaultEndpoint() {
        String name = defaultName;
        return name == null ? Optional.empty() : get(name);
    }

    /** True when every expected endpoint is loaded (trivially so when none is configured: a control-plane-only server). */
    public boolean allReady() {
        for (String name : expected) {
            if (!ready.containsKey(name)) {
                return false;
            }
        }
        return true;
    }

    public List<Endpoint> endpoints() {
        return expected.stream().map(ready::get).filter(e -> e != null).toList();
    }
}
