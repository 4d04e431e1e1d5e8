package io.nines.core.registry;

import io.nines.core.event.EventPublisher;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Named policy instances of one type, created on first use from a default factory (Resilience4j's
 * registries): {@code breakers.get("payments")} returns the same circuit breaker everywhere.
 * Observers (metrics, admin endpoints) learn of every new instance through {@link #events()}.
 *
 * @param <P> the policy type
 */
public final class PolicyRegistry<P> {

    /** A policy was added to the registry. */
    public record Added<P>(String name, P policy) {}

    private final Map<String, P> byName = new ConcurrentHashMap<>();
    private final Function<String, ? extends P> factory;
    private final EventPublisher<Added<P>> events = new EventPublisher<>();

    private PolicyRegistry(Function<String, ? extends P> factory) {
        this.factory = Objects.requireNonNull(factory, "factory");
    }

    /** A registry creating missing policies with {@code factory(name)}. */
    public static <P> PolicyRegistry<P> of(Function<String, ? extends P> factory) {
        return new PolicyRegistry<>(factory);
    }

    /** The policy with this name, created with the default factory if absent. */
    public P get(String name) {
        P existing = byName.get(name);
        if (existing != null) {
            return existing;
        }
        return add(name, () -> factory.apply(name));
    }

    /** Registers a policy built elsewhere (e.g. with its own config); refuses to replace one. */
    public P register(String name, P policy) {
        Objects.requireNonNull(policy, "policy");
        P added = add(name, () -> policy);
        if (added != policy) {
            throw new IllegalStateException("a policy named '" + name + "' is already registered");
        }
        return policy;
    }

    private P add(String name, java.util.function.Supplier<? extends P> make) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a policy needs a non-blank name");
        }
        boolean[] created = {false};
        P p = byName.computeIfAbsent(name, n -> {
            created[0] = true;
            return make.get();
        });
        if (created[0] && events.hasListeners()) {
            events.publish(new Added<>(name, p));
        }
        return p;
    }

    public Optional<P> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Collection<P> all() {
        return List.copyOf(byName.values());
    }

    public Map<String, P> asMap() {
        return Map.copyOf(byName);
    }

    /** New policies; a listener sees those added after it subscribed (use {@link #all()} for the rest). */
    public EventPublisher<Added<P>> events() {
        return events;
    }
}
