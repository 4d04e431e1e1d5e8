package io.nines.core.circuitbreaker;

import io.nines.core.Clock;
import io.nines.core.InvalidConfigException;
import io.nines.core.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.nines.core.circuitbreaker.internal.DefaultCircuitBreaker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Fluent builder of a {@link CircuitBreaker}; starts from Resilience4j's defaults. Nothing is checked
 * until {@link #config()} or {@link #build()}, which throw {@link InvalidConfigException} naming the field.
 */
public final class CircuitBreakerBuilder {

    private final String name;
    private Clock clock = Clock.system();
    private SlidingWindowType slidingWindowType = SlidingWindowType.COUNT_BASED;
    private int slidingWindowSize = 100;
    private int minimumNumberOfCalls = 100;
    private float failureRateThreshold = 50;
    private float slowCallRateThreshold = 100;
    private Duration slowCallDurationThreshold = Duration.ofSeconds(60);
    private Duration waitDurationInOpenState = Duration.ofSeconds(60);
    private int permittedCallsInHalfOpenState = 10;
    private Duration maxWaitDurationInHalfOpenState = Duration.ZERO;
    private boolean automaticTransitionFromOpenToHalfOpen;
    private Predicate<Throwable> recordException;
    private final List<Class<? extends Throwable>> recordExceptions = new ArrayList<>();
    private Predicate<Throwable> ignoreException;
    private final List<Class<? extends Throwable>> ignoreExceptions = new ArrayList<>();
    private Predicate<Object> recordResult = result -> false;
    private boolean ignoreRefusals = true;

    CircuitBreakerBuilder(String name) {
        this.name = name;
    }

    /** Starts from {@code config} (its predicates replace any set so far). */
    public CircuitBreakerBuilder from(CircuitBreakerConfig config) {
        Objects.requireNonNull(config, "config");
        slidingWindowType = config.slidingWindowType();
        slidingWindowSize = config.slidingWindowSize();
        minimumNumberOfCalls = config.minimumNumberOfCalls();
        failureRateThreshold = config.failureRateThreshold();
        slowCallRateThreshold = config.slowCallRateThreshold();
        slowCallDurationThreshold = config.slowCallDurationThreshold();
        waitDurationInOpenState = config.waitDurationInOpenState();
        permittedCallsInHalfOpenState = config.permittedCallsInHalfOpenState();
        maxWaitDurationInHalfOpenState = config.maxWaitDurationInHalfOpenState();
        automaticTransitionFromOpenToHalfOpen = config.automaticTransitionFromOpenToHalfOpen();
        recordException = config.recordException();
        recordExceptions.clear();
        ignoreException = config.ignoreException();
        ignoreExceptions.clear();
        recordResult = config.recordResult();
        ignoreRefusals = config.ignoreRefusals();
        return this;
    }

    public CircuitBreakerBuilder clock(Clock clock) {
        this.clock = clock;
        return this;
    }

    public CircuitBreakerBuilder slidingWindowType(SlidingWindowType type) {
        this.slidingWindowType = type;
        return this;
    }

    /** Calls (count-based) or seconds (time-based). */
    public CircuitBreakerBuilder slidingWindowSize(int size) {
        this.slidingWindowSize = size;
        return this;
    }

    public CircuitBreakerBuilder slidingWindow(int size, int minimumNumberOfCalls, SlidingWindowType type) {
        this.slidingWindowSize = size;
        this.minimumNumberOfCalls = minimumNumberOfCalls;
        this.slidingWindowType = type;
        return this;
    }

    public CircuitBreakerBuilder minimumNumberOfCalls(int calls) {
        this.minimumNumberOfCalls = calls;
        return this;
    }

    /** Percent in (0, 100]. */
    public CircuitBreakerBuilder failureRateThreshold(float percent) {
        this.failureRateThreshold = percent;
        return this;
    }

    /** Percent in (0, 100]. */
    public CircuitBreakerBuilder slowCallRateThreshold(float percent) {
        this.slowCallRateThreshold = percent;
        return this;
    }

    public CircuitBreakerBuilder slowCallDurationThreshold(Duration threshold) {
        this.slowCallDurationThreshold = threshold;
        return this;
    }

    public CircuitBreakerBuilder waitDurationInOpenState(Duration wait) {
        this.waitDurationInOpenState = wait;
        return this;
    }

    public CircuitBreakerBuilder permittedCallsInHalfOpenState(int calls) {
        this.permittedCallsInHalfOpenState = calls;
        return this;
    }

    /** Zero (the default) waits for the trial calls for as long as they take. */
    public CircuitBreakerBuilder maxWaitDurationInHalfOpenState(Duration wait) {
        this.maxWaitDurationInHalfOpenState = wait;
        return this;
    }

    public CircuitBreakerBuilder automaticTransitionFromOpenToHalfOpen(boolean enabled) {
        this.automaticTransitionFromOpenToHalfOpen = enabled;
        return this;
    }

    /**
     * Errors matching {@code predicate} count as failures. With neither this nor {@link #recordExceptions},
     * every error does; otherwise an error matching neither counts as a success.
     */
    public CircuitBreakerBuilder recordException(Predicate<Throwable> predicate) {
        this.recordException = predicate;
        return this;
    }

    /** Errors of these types (or subtypes) count as failures; see {@link #recordException}. */
    @SafeVarargs
    public final CircuitBreakerBuilder recordExceptions(Class<? extends Throwable>... types) {
        recordExceptions.addAll(List.of(types));
        return this;
    }

    /** Errors matching {@code predicate} are ignored: neither success nor failure. Wins over the record rules. */
    public CircuitBreakerBuilder ignoreException(Predicate<Throwable> predicate) {
        this.ignoreException = predicate;
        return this;
    }

    /** Errors of these types (or subtypes) are ignored; see {@link #ignoreException}. */
    @SafeVarargs
    public final CircuitBreakerBuilder ignoreExceptions(Class<? extends Throwable>... types) {
        ignoreExceptions.addAll(List.of(types));
        return this;
    }

    /** Results matching {@code predicate} count as failures (e.g. an HTTP 503 returned as a value). */
    public CircuitBreakerBuilder recordResult(Predicate<Object> predicate) {
        this.recordResult = predicate;
        return this;
    }

    /**
     * Whether refusals of inner policies ({@link io.nines.core.RefusedException}: rate limited, bulkhead full...)
     * are ignored (the default) or classified like any other error. A timeout always counts as a failure.
     */
    public CircuitBreakerBuilder ignoreRefusals(boolean ignore) {
        this.ignoreRefusals = ignore;
        return this;
    }

    /** The validated configuration. */
    public CircuitBreakerConfig config() {
        return new CircuitBreakerConfig(slidingWindowType, slidingWindowSize, minimumNumberOfCalls,
                failureRateThreshold, slowCallRateThreshold, slowCallDurationThreshold, waitDurationInOpenState,
                permittedCallsInHalfOpenState, maxWaitDurationInHalfOpenState, automaticTransitionFromOpenToHalfOpen,
                anyOf(recordException, recordExceptions, true), anyOf(ignoreException, ignoreExceptions, false),
                recordResult, ignoreRefusals);
    }

    public CircuitBreaker build() {
        CircuitBreakerConfig config = config();
        if (name == null || name.isBlank()) {
            throw new InvalidConfigException(CircuitBreakerConfig.POLICY, "name", "must be set");
        }
        InvalidConfigException.required(CircuitBreakerConfig.POLICY, "clock", clock);
        return new DefaultCircuitBreaker(name, config, clock);
    }

    /** The predicate OR the type list; {@code whenNone} when neither is given. */
    private static Predicate<Throwable> anyOf(Predicate<Throwable> predicate, List<Class<? extends Throwable>> types,
                                              boolean whenNone) {
        if (types.isEmpty()) {
            return predicate != null ? predicate : t -> whenNone;
        }
        List<Class<? extends Throwable>> copy = List.copyOf(types);
        Predicate<Throwable> byType = t -> {
            for (Class<? extends Throwable> type : copy) {
                if (type.isInstance(t)) {
                    return true;
                }
            }
            return false;
        };
        return predicate == null ? byType : byType.or(predicate);
    }
}
