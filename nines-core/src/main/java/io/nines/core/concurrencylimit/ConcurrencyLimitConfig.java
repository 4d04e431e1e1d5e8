package io.nines.core.concurrencylimit;

import java.time.Duration;
import java.util.function.Predicate;

/**
 * Immutable, validated configuration of a {@link ConcurrencyLimit}; built by
 * {@link ConcurrencyLimitBuilder#config()}. The algorithm is Netflix's Gradient2 with windowed samples.
 *
 * @param initialLimit      the limit before any sample
 * @param minLimit          the limit never falls below this
 * @param maxLimit          the limit never rises above this
 * @param smoothing         weight of each window's new estimate against the current limit, in (0, 1]
 * @param rttTolerance      how much the short RTT may exceed the long one before the limit falls (≥ 1)
 * @param longWindow        windows averaged (exponentially) into the long-term RTT baseline
 * @param queueSize         calls allowed to queue above the no-queue estimate; the growth step
 * @param backoffRatio      limit multiplier for a window that saw a drop (timeout), in (0, 1)
 * @param minWindow         shortest sample window
 * @param maxWindow         longest sample window; a window is ~2× the minimum RTT between these bounds
 * @param windowMinSamples  samples a window needs to update the limit (fewer: it is discarded)
 * @param perCaller         also cap each caller's calls in flight to a share of the limit
 * @param perCallerFraction each caller's share of the limit (per caller only), in (0, 1]
 * @param maxCallers        most callers tracked at once (per caller only)
 * @param dropOn            the errors that mean "dropped" (by default timeouts); other errors are ignored
 */
public record ConcurrencyLimitConfig(int initialLimit, int minLimit, int maxLimit, double smoothing,
        double rttTolerance, int longWindow, int queueSize, double backoffRatio, Duration minWindow,
        Duration maxWindow, int windowMinSamples, boolean perCaller, double perCallerFraction, int maxCallers,
        Predicate<Throwable> dropOn) {
}
