package io.nines.core.bulkhead.internal;

import io.nines.core.BulkheadFullException;
import io.nines.core.CallContext;
import io.nines.core.Clock;
import io.nines.core.bulkhead.Bulkhead;
import io.nines.core.bulkhead.BulkheadConfig;
import io.nines.core.bulkhead.BulkheadEvent;
import io.nines.core.bulkhead.BulkheadMetrics;
import io.nines.core.event.EventPublisher;
import io.nines.core.internal.CallerTable;
import io.nines.core.internal.InflightSlot;
import java.util.concurrent.atomic.LongAdder;

/**
 * The {@link Bulkhead}: one CAS-guarded total count, plus in per-caller mode one {@link InflightSlot}
 * per caller in a bounded {@link CallerTable}. The caller's cap is checked first, so a caller at its
 * cap never takes a place from the total that others could use.
 */
public final class DefaultBulkhead implements Bulkhead {

    private final String name;
    private final BulkheadConfig config;
    private final Clock clock;
    private final int max;
    private final boolean perCaller;
    private final InflightSlot total;
    /** The {@code null} caller's entry in per-caller mode. */
    private final InflightSlot defaultSlot;
    private final CallerTable<InflightSlot> callers;
    private final LongAdder refusals = new LongAdder();
    private final EventPublisher<BulkheadEvent> events = new EventPublisher<>();

    public DefaultBulkhead(String name, BulkheadConfig config, Clock clock) {
        this.name = name;
        this.config = config;
        this.clock = clock;
        this.max = config.maxConcurrentCalls();
        this.perCaller = config.perCaller();
        this.total = new InflightSlot(max);
        this.defaultSlot = new InflightSlot(config.perCallerMaxConcurrentCalls());
        this.callers = perCaller
                ? new CallerTable<>(config.maxCallers(), clock, c -> new InflightSlot(config.maxConcurrentCallsOf(c)))
                : null;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public BulkheadConfig config() {
        return config;
    }

    @Override
    public void acquire(CallContext context) {
        String caller = context.caller();
        InflightSlot refusedBy = take(caller);
        if (refusedBy != null) {
            recordRefusal(caller, refusedBy);
            throw new BulkheadFullException(name, refusedBy == total
                    ? "bulkhead '" + name + "': all " + max + " concurrent calls in flight"
                    : "bulkhead '" + name + "': caller '" + caller + "' has all its " + refusedBy.max
                            + " concurrent calls in flight");
        }
    }

    @Override
    public void onComplete(CallContext context, long durationNanos, Object result, Throwable error) {
        release(context.caller());
    }

    @Override
    public void abandon(CallContext context) {
        release(context.caller());
    }

    @Override
    public boolean tryAcquire(String caller) {
        InflightSlot refusedBy = take(caller);
        if (refusedBy != null) {
            recordRefusal(caller, refusedBy);
            return false;
        }
        return true;
    }

    @Override
    public void release(String caller) {
        if (perCaller) {
            // the slot is still mapped: a slot with calls in flight is never evicted
            InflightSlot slot = caller == null ? defaultSlot : callers.peek(caller);
            if (slot != null) {
                slot.release();
            }
        }
        total.release();
    }

    @Override
    public int inflight() {
        return total.inflight();
    }

    @Override
    public int inflight(String caller) {
        if (!perCaller) {
            return 0;
        }
        InflightSlot slot = caller == null ? defaultSlot : callers.peek(caller);
        return slot == null ? 0 : slot.inflight();
    }

    @Override
    public BulkheadMetrics metrics() {
        return new BulkheadMetrics(total.inflight(), max, callers == null ? 0 : callers.size(), refusals.sum());
    }

    @Override
    public EventPublisher<BulkheadEvent> events() {
        return events;
    }

    /** Takes a place from the caller's slot then the total; returns the slot that refused, or null. */
    private InflightSlot take(String caller) {
        InflightSlot slot = null;
        if (perCaller) {
            int r;
            if (caller == null) {
                slot = defaultSlot;
                r = slot.tryAcquire(slot.max);
            } else {
                slot = callers.get(caller);
                while ((r = slot.tryAcquire(slot.max)) == InflightSlot.RETIRED) {
                    slot = callers.replace(caller, slot);
                }
            }
            if (r == InflightSlot.FULL) {
                return slot;
            }
        }
        if (total.tryAcquire(max) != InflightSlot.ACQUIRED) {
            if (slot != null) {
                slot.release();
            }
            return total;
        }
        return null;
    }

    private void recordRefusal(String caller, InflightSlot by) {
        refusals.increment();
        if (events.hasListeners()) {
            events.publish(new BulkheadEvent.Refused(name, caller, by != total, by.max, clock.currentTimeMillis()));
        }
    }
}
