package io.nines.core.event;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers a policy's events to its listeners, synchronously on the thread that caused them.
 * Policies check {@link #hasListeners()} before building an event, so with no listener the hot path
 * allocates nothing. A listener that throws is logged and does not disturb the call or other listeners.
 *
 * @param <E> the policy's event type (a sealed interface of records)
 */
public final class EventPublisher<E> {

    private static final Logger LOG = LoggerFactory.getLogger(EventPublisher.class);

    private final CopyOnWriteArrayList<Consumer<? super E>> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean any;

    /** Adds a listener; closing the returned subscription removes it. */
    public Subscription subscribe(Consumer<? super E> listener) {
        listeners.add(listener);
        any = true;
        return () -> {
            listeners.remove(listener);
            any = !listeners.isEmpty();
        };
    }

    public boolean hasListeners() {
        return any;
    }

    public void publish(E event) {
        for (Consumer<? super E> l : listeners) {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                LOG.warn("event listener {} failed on {}", l, event, e);
            }
        }
    }

    /** A registration that can be undone. */
    @FunctionalInterface
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
