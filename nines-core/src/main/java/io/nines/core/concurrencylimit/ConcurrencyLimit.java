package io.nines.core.concurrencylimit;

import io.nines.core.CallContext;
import io.nines.core.Clock;
import io.nines.core.ShedException;
import io.nines.core.concurrencylimit.internal.GradientConcurrencyLimit;
import io.nines.core.event.EventPublisher;
import io.nines.core.spi.CallGate;

/**
 * An adaptive cap on calls in flight that sheds load before latency collapses. Calls beyond the
 * current limit are refused at once with {@link ShedException}. The limit follows the target's
 * latency (Gradient2, as in Netflix concurrency-limits): each window compares the short-term RTT with
 * a long-term baseline; while they agree the limit grows by {@code queueSize}, when the short RTT
 * rises the limit is multiplied by {@code baseline/short} (at least 0.5), with smoothing, between
 * {@code minLimit} and {@code maxLimit}. A window with a drop (a timeout) multiplies it by
 * {@code backoffRatio}. The limit grows only while the calls in flight use at least half of it.
 *
 * <p>As a {@link CallGate}, {@link #onComplete} feeds the attempt's duration as an RTT sample;
 * {@link #abandon} gives back the place without a sample.
 */
public interface ConcurrencyLimit extends CallGate {

    static ConcurrencyLimitBuilder builder(String name) {
        return new ConcurrencyLimitBuilder(name);
    }

    static ConcurrencyLimit of(String name, ConcurrencyLimitConfig config, Clock clock) {
        return new GradientConcurrencyLimit(name, config, clock);
    }

    ConcurrencyLimitConfig config();

    /** Takes a place for {@code caller}; false when shed. Pair with {@link #release}. */
    boolean tryAcquire(String caller);

    /**
     * Gives back a place taken by {@link #tryAcquire} and reports how the call went.
     *
     * @param rttNanos how long the call took
     * @param dropped  it timed out or was dropped (a congestion signal); its RTT is not sampled
     */
    void release(String caller, long rttNanos, boolean dropped);

    /** The current limit. */
    int limit();

    /** Calls in flight. */
    int inflight();

    /** Calls shed since creation. */
    long shedCount();

    ConcurrencyLimitMetrics metrics();

    EventPublisher<ConcurrencyLimitEvent> events();
}
