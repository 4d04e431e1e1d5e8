package io.nines.core.degrade;

import io.nines.core.event.EventPublisher;

/**
 * A named switch that turns a non-critical path off at runtime (seed 000: degrade flexible side
 * paths). A pipeline bound to a degraded switch refuses with {@link io.nines.core.DegradedException}
 * without running the action, so its fallback answers. Reading the switch is one volatile read.
 */
public final class DegradeSwitch {

    /** A switch flipped. */
    public record Flipped(String name, boolean degraded, String reason, long timeMillis) {}

    private final String name;
    private final EventPublisher<Flipped> events = new EventPublisher<>();
    private volatile boolean degraded;
    private volatile String reason = "";

    DegradeSwitch(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public boolean isDegraded() {
        return degraded;
    }

    /** Why it was last flipped, as given by whoever flipped it. */
    public String reason() {
        return reason;
    }

    /** Turns the path off. */
    public void degrade(String why) {
        flip(true, why);
    }

    /** Turns the path back on. */
    public void restore(String why) {
        flip(false, why);
    }

    private void flip(boolean to, String why) {
        reason = why == null ? "" : why;
        boolean was = degraded;
        degraded = to;
        if (was != to && events.hasListeners()) {
            events.publish(new Flipped(name, to, reason, System.currentTimeMillis()));
        }
    }

    public EventPublisher<Flipped> events() {
        return events;
    }

    @Override
    public String toString() {
        return "DegradeSwitch[" + name + (degraded ? ", degraded: " + reason : ", on") + "]";
    }
}
