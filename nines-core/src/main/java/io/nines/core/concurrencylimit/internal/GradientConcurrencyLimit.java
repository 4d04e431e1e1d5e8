package io.nines.core.concurrencylimit.internal;

import io.nines.core.CallContext;
import io.nines.core.Clock;
import io.nines.core.ShedException;
import io.nines.core.internal.InflightSlot;
import io.nines.core.concurrencylimit.ConcurrencyLimit;
import io.nines.core.concurrencylimit.ConcurrencyLimitConfig;
import io.nines.core.concurrencylimit.ConcurrencyLimitEvent;
import io.nines.core.concurrencylimit.ConcurrencyLimitMetrics;
import io.nines.core.event.EventPublisher;
import io.nines.core.internal.CallerTable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * Gradient2 (Netflix concurrency-limits) over windows of samples. The success path is a CAS on the
 * in-flight count to enter, and on completion a decrement plus two atomic adds into the current
 * window. The thread whose completion finds the window over closes it by CAS and alone computes the
 * next limit from it; the algorithm's state is an immutable {@link Estimate} swapped by CAS, so no
 * lock is ever taken.
 */
public final class GradientConcurrencyLimit implements ConcurrencyLimit {

    /** Windows averaged plainly before the long RTT switches to an exponential average (as Netflix). */
    private static final int WARMUP_WINDOWS = 10;

    private static final VarHandle WINDOW;

    static {
        try {
            WINDOW = MethodHandles.lookup().findVarHandle(GradientConcurrencyLimit.class, "window", Window.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The algorithm's state between windows. */
    private record Estimate(double limit, double longRtt, int longSamples, long shortRtt) {
    }

    private final String name;
    private final ConcurrencyLimitConfig config;
    private final Clock clock;
    private final boolean perCaller;
    private final Predicate<Throwable> dropOn;
    private final long minWindowNanos;
    private final long maxWindowNanos;
    private final double longFactor;

    private final InflightSlot inflight = new InflightSlot(Integer.MAX_VALUE);
    private final InflightSlot defaultSlot = new InflightSlot(Integer.MAX_VALUE);
    private final CallerTable<InflightSlot> callers;
    private final AtomicReference<Estimate> estimate;
    private volatile int limit;
    private volatile int callerCap;
    private volatile Window window;
    private final LongAdder shed = new LongAdder();
    private final EventPublisher<ConcurrencyLimitEvent> events = new EventPublisher<>();

    public GradientConcurrencyLimit(String name, ConcurrencyLimitConfig config, Clock clock) {
        this.name = name;
        this.config = config;
        this.clock = clock;
        this.perCaller = config.perCaller();
        this.dropOn = config.dropOn();
        this.minWindowNanos = config.minWindow().toNanos();
        this.maxWindowNanos = config.maxWindow().toNanos();
        this.longFactor = 2.0 / (config.longWindow() + 1);
        this.callers = perCaller
                ? new CallerTable<>(config.maxCallers(), clock, c -> new InflightSlot(Integer.MAX_VALUE))
                : null;
        this.estimate = new AtomicReference<>(new Estimate(config.initialLimit(), 0, 0, 0));
        this.limit = config.initialLimit();
        this.callerCap = capOf(config.initialLimit());
        this.window = new Window(clock.nanoTime(), minWindowNanos);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ConcurrencyLimitConfig config() {
        return config;
    }

    @Override
    public void acquire(CallContext context) {
        String caller = context.caller();
        InflightSlot refusedBy = take(caller);
        if (refusedBy != null) {
            int lim = limit;
            throw new ShedException(name, refusedBy == inflight
                    ? "concurrency limit '" + name + "': " + lim + " calls in flight, the current limit"
                    : "concurrency limit '" + name + "': caller '" + caller + "' has its share of "
                            + callerCap + " of the current limit " + lim + " in flight");
        }
    }

    @Override
    public boolean tryAcquire(String caller) {
        return take(caller) == null;
    }

    @Override
    public void onComplete(CallContext context, long durationNanos, Object result, Throwable error) {
        if (error == null) {
            release(context.caller(), durationNanos, false);
        } else if (dropOn.test(error)) {
            release(context.caller(), durationNanos, true);
        } else {
            // an error is neither a latency sample (it may be fast) nor congestion: only give the place back
            releasePlace(context.caller());
            maybeCloseWindow(window, clock.nanoTime());
        }
    }

    @Override
    public void abandon(CallContext context) {
        releasePlace(context.caller());
    }

    @Override
    public void release(String caller, long rttNanos, boolean dropped) {
        int inflightBefore = inflight.inflight();
        releasePlace(caller);
        Window w = window;
        if (dropped) {
            w.drop(inflightBefore);
        } else {
            w.sample(rttNanos, inflightBefore);
        }
        maybeCloseWindow(w, clock.nanoTime());
    }

    @Override
    public int limit() {
        return limit;
    }

    @Override
    public int inflight() {
        return inflight.inflight();
    }

    @Override
    public long shedCount() {
        return shed.sum();
    }

    @Override
    public ConcurrencyLimitMetrics metrics() {
        Estimate e = estimate.get();
        return new ConcurrencyLimitMetrics(limit, inflight.inflight(), shed.sum(), e.shortRtt(),
                (long) e.longRtt(), callers == null ? 0 : callers.size());
    }

    @Override
    public EventPublisher<ConcurrencyLimitEvent> events() {
        return events;
    }

    /** Enters the caller's share then the limit; returns the slot that refused, or null. */
    private InflightSlot take(String caller) {
        InflightSlot slot = null;
        if (perCaller) {
            int cap = callerCap;
            int r;
            if (caller == null) {
                slot = defaultSlot;
                r = slot.tryAcquire(cap);
            } else {
                slot = callers.get(caller);
                while ((r = slot.tryAcquire(cap)) == InflightSlot.RETIRED) {
                    slot = callers.replace(caller, slot);
                }
            }
            if (r == InflightSlot.FULL) {
                return shed(caller, slot);
            }
        }
        if (inflight.tryAcquire(limit) != InflightSlot.ACQUIRED) {
            if (slot != null) {
                slot.release();
            }
            return shed(caller, inflight);
        }
        return null;
    }

    private InflightSlot shed(String caller, InflightSlot by) {
        shed.increment();
        if (events.hasListeners()) {
            events.publish(new ConcurrencyLimitEvent.Shed(name, caller, by != inflight, limit, by.inflight(),
                    clock.currentTimeMillis()));
        }
        return by;
    }

    private void releasePlace(String caller) {
        if (perCaller) {
            InflightSlot slot = caller == null ? defaultSlot : callers.peek(caller); // busy slots stay mapped
            if (slot != null) {
                slot.release();
            }
        }
        inflight.release();
    }

    private void maybeCloseWindow(Window w, long now) {
        long age = now - w.start;
        if (age < w.length) {
            return;
        }
        boolean ready = w.count >= config.windowMinSamples() || w.drops > 0;
        if (!ready && age < maxWindowNanos) {
            return; // keep collecting: too few samples to judge yet
        }
        if (!WINDOW.compareAndSet(this, w, new Window(now, nextLength(w)))) {
            return; // another thread closed it
        }
        if (ready) {
            update(w);
        }
    }

    /** About two round trips, so that a window holds complete calls, within the configured bounds. */
    private long nextLength(Window w) {
        long min = w.minRtt;
        if (min == Long.MAX_VALUE) {
            return minWindowNanos;
        }
        long twice = min > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : min * 2;
        return Math.max(minWindowNanos, Math.min(maxWindowNanos, twice));
    }

    private void update(Window w) {
        long count = w.count;
        long drops = w.drops;
        int maxInflight = w.maxInflight;
        double shortRtt = count > 0 ? (double) w.sumRtt / count : 0;
        Estimate prev;
        Estimate next;
        do {
            prev = estimate.get();
            next = next(prev, count, shortRtt, drops, maxInflight);
        } while (!estimate.compareAndSet(prev, next));
        int oldLimit = (int) prev.limit();
        int newLimit = (int) next.limit();
        if (newLimit != limit) {
            limit = newLimit;
            callerCap = capOf(newLimit);
            if (events.hasListeners()) {
                events.publish(new ConcurrencyLimitEvent.LimitChanged(name, oldLimit, newLimit,
                        clock.currentTimeMillis()));
            }
        }
    }

    /** Gradient2's step, plus a multiplicative backoff on drops. */
    private Estimate next(Estimate e, long count, double shortRtt, long drops, int maxInflight) {
        double est = e.limit();
        double longRtt = e.longRtt();
        int longSamples = e.longSamples();
        if (count > 0) {
            if (longSamples < WARMUP_WINDOWS) {
                longRtt = (longRtt * longSamples + shortRtt) / (longSamples + 1);
            } else {
                longRtt = longRtt * (1 - longFactor) + shortRtt * longFactor;
            }
            longSamples++;
            if (longRtt / shortRtt > 2) {
                // latency is back to normal after a long overload: pull the baseline down faster than
                // the exponential average would, so the limit can grow again
                longRtt *= 0.95;
            }
        }
        double newLimit;
        if (drops > 0) {
            newLimit = est * config.backoffRatio();
        } else if (count == 0 || maxInflight < est / 2) {
            newLimit = est; // no sample, or app-limited: the window says nothing about the limit
        } else {
            double gradient = Math.max(0.5, Math.min(1.0, config.rttTolerance() * longRtt / shortRtt));
            newLimit = est * gradient + config.queueSize();
            newLimit = est * (1 - config.smoothing()) + newLimit * config.smoothing();
        }
        newLimit = Math.max(config.minLimit(), Math.min(config.maxLimit(), newLimit));
        return new Estimate(newLimit, longRtt, longSamples, count > 0 ? (long) shortRtt : e.shortRtt());
    }

    private int capOf(int lim) {
        return Math.max(1, (int) Math.ceil(config.perCallerFraction() * lim));
    }
}
