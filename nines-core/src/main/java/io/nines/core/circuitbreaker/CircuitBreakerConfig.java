package io.nines.core.circuitbreaker;

import io.nines.core.InvalidConfigException;
import io.nines.core.RefusedException;
import io.nines.core.TimeoutExceededException;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * The validated, immutable configuration of a {@link CircuitBreaker}; build it with
 * {@link CircuitBreaker#builder(String)}. The constructor validates every field, so an instance is never
 * half-valid; a bad value throws {@link InvalidConfigException} naming the field.
 *
 * @param slidingWindowType                   {@link SlidingWindowType#COUNT_BASED}: the last
 *                                            {@code slidingWindowSize} calls; {@link SlidingWindowType#TIME_BASED}:
 *                                            the calls of the last {@code slidingWindowSize} seconds
 * @param slidingWindowSize                   calls (at most {@value #MAX_COUNT_WINDOW}) or seconds (at most
 *                                            {@value #MAX_TIME_WINDOW_SECONDS})
 * @param minimumNumberOfCalls                calls the window must hold before its rates can open the breaker;
 *                                            for a count-based window a larger value is lowered to the window size
 *                                            (as Resilience4j does)
 * @param failureRateThreshold                percent in (0, 100]: open when the failure rate is at least this
 * @param slowCallRateThreshold               percent in (0, 100]: open when the slow-call rate is at least this
 * @param slowCallDurationThreshold           a call that takes longer than this is slow
 * @param waitDurationInOpenState             how long the breaker stays open before admitting trial calls
 * @param permittedCallsInHalfOpenState       number of trial calls in half-open (at most {@value #MAX_PROBES})
 * @param maxWaitDurationInHalfOpenState      how long to wait for the trial calls before opening again;
 *                                            zero waits for as long as they take
 * @param automaticTransitionFromOpenToHalfOpen whether reading {@link CircuitBreaker#state()} or
 *                                            {@link CircuitBreaker#metrics()} also moves an open breaker whose
 *                                            wait has passed to half-open; without it only an acquire does
 * @param recordException                     errors that count as failures (the others count as successes)
 * @param ignoreException                     errors that count as neither; checked before {@code recordException}
 * @param recordResult                        returned results that count as failures
 * @param ignoreRefusals                      whether a {@link RefusedException} thrown by an inner policy
 *                                            (rate limiter, bulkhead...) is ignored, since the target did not fail;
 *                                            {@link TimeoutExceededException} is never ignored this way: a call
 *                                            that timed out is a failure of the target
 */
public record CircuitBreakerConfig(
        SlidingWindowType slidingWindowType,
        int slidingWindowSize,
        int minimumNumberOfCalls,
        float failureRateThreshold,
        float slowCallRateThreshold,
        Duration slowCallDurationThreshold,
        Duration waitDurationInOpenState,
        int permittedCallsInHalfOpenState,
        Duration maxWaitDurationInHalfOpenState,
        boolean automaticTransitionFromOpenToHalfOpen,
        Predicate<Throwable> recordException,
        Predicate<Throwable> ignoreException,
        Predicate<Object> recordResult,
        boolean ignoreRefusals) {

    /** The policy type named in {@link InvalidConfigException}. */
    public static final String POLICY = "circuitBreaker";

    /** Largest count-based window: its counters are packed in 21-bit fields. */
    public static final int MAX_COUNT_WINDOW = 1_000_000;

    /** Largest time-based window, one day (its buckets are preallocated). */
    public static final int MAX_TIME_WINDOW_SECONDS = 86_400;

    /** Largest number of trial calls in half-open. */
    public static final int MAX_PROBES = 1_000_000;

    /** How the sliding window is bounded. */
    public enum SlidingWindowType {
        /** The last N calls. */
        COUNT_BASED,
        /** The calls of the last N seconds, in one-second buckets. */
        TIME_BASED
    }

    public CircuitBreakerConfig {
        InvalidConfigException.required(POLICY, "slidingWindowType", slidingWindowType);
        InvalidConfigException.positive(POLICY, "slidingWindowSize", slidingWindowSize);
        int max = slidingWindowType == SlidingWindowType.COUNT_BASED ? MAX_COUNT_WINDOW : MAX_TIME_WINDOW_SECONDS;
        if (slidingWindowSize > max) {
            throw new InvalidConfigException(POLICY, "slidingWindowSize", "must be <= " + max + " for a "
                    + slidingWindowType + " window, was " + slidingWindowSize);
        }
        InvalidConfigException.positive(POLICY, "minimumNumberOfCalls", minimumNumberOfCalls);
        if (slidingWindowType == SlidingWindowType.COUNT_BASED) {
            minimumNumberOfCalls = Math.min(minimumNumberOfCalls, slidingWindowSize);
        }
        percent("failureRateThreshold", failureRateThreshold);
        percent("slowCallRateThreshold", slowCallRateThreshold);
        InvalidConfigException.positive(POLICY, "slowCallDurationThreshold", slowCallDurationThreshold);
        InvalidConfigException.positive(POLICY, "waitDurationInOpenState", waitDurationInOpenState);
        InvalidConfigException.positive(POLICY, "permittedCallsInHalfOpenState", permittedCallsInHalfOpenState);
        if (permittedCallsInHalfOpenState > MAX_PROBES) {
            throw new InvalidConfigException(POLICY, "permittedCallsInHalfOpenState",
                    "must be <= " + MAX_PROBES + ", was " + permittedCallsInHalfOpenState);
        }
        InvalidConfigException.nonNegative(POLICY, "maxWaitDurationInHalfOpenState", maxWaitDurationInHalfOpenState);
        InvalidConfigException.required(POLICY, "recordException", recordException);
        InvalidConfigException.required(POLICY, "ignoreException", ignoreException);
        InvalidConfigException.required(POLICY, "recordResult", recordResult);
    }

    private static void percent(String field, float value) {
        if (!(value > 0f && value <= 100f)) {
            throw new InvalidConfigException(POLICY, field, "must be in (0, 100], was " + value);
        }
    }

    /** The defaults (Resilience4j's): count-based window of 100 calls, 50% failures, 60 s open, 10 trial calls. */
    public static CircuitBreakerConfig defaults() {
        return new CircuitBreakerBuilder("defaults").config();
    }
}
