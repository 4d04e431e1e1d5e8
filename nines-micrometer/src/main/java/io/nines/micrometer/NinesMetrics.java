package io.nines.micrometer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.nines.core.bulkhead.Bulkhead;
import io.nines.core.circuitbreaker.CircuitBreaker;
import io.nines.core.concurrencylimit.ConcurrencyLimit;
import io.nines.core.ratelimiter.RateLimiter;
import io.nines.core.registry.PolicyRegistry;
import io.nines.core.retry.Retry;
import io.nines.core.retry.RetryEvent;

/**
 * Micrometer meters for nines-core policies. Gauges and function counters read the policies' own
 * counters when scraped, so binding adds nothing to the call path; only retries (a failure path)
 * are counted through events.
 *
 * <p>Meter names: {@code nines.circuitbreaker.*}, {@code nines.retry.*}, {@code nines.ratelimiter.*},
 * {@code nines.bulkhead.*}, {@code nines.concurrencylimit.*}, each tagged {@code name}; pipeline calls
 * are timed by {@link CallMetrics} as {@code nines.calls}.
 */
public final class NinesMetrics {

    private NinesMetrics() {}

    public static MeterBinder circuitBreaker(CircuitBreaker cb) {
        return registry -> {
            Tags tags = Tags.of("name", cb.name());
            for (CircuitBreaker.State s : CircuitBreaker.State.values()) {
                // One gauge per state, 1 for the current one: alerts can match state="open".
                Gauge.builder("nines.circuitbreaker.state", cb, c -> c.state() == s ? 1 : 0)
                        .tags(tags.and("state", s.name().toLowerCase()))
                        .description("1 for the breaker's current state, 0 for the others")
                        .register(registry);
            }
            Gauge.builder("nines.circuitbreaker.failure.rate", cb, c -> c.metrics().failureRate())
                    .tags(tags).baseUnit("percent")
                    .description("failure rate over the sliding window, -1 until the minimum number of calls")
                    .register(registry);
            Gauge.builder("nines.circuitbreaker.slow.call.rate", cb, c -> c.metrics().slowCallRate())
                    .tags(tags).baseUnit("percent").register(registry);
            Gauge.builder("nines.circuitbreaker.buffered.calls", cb, c -> c.metrics().numberOfCalls())
                    .tags(tags.and("kind", "all")).description("calls in the sliding window").register(registry);
            Gauge.builder("nines.circuitbreaker.buffered.calls", cb, c -> c.metrics().failedCalls())
                    .tags(tags.and("kind", "failed")).register(registry);
            Gauge.builder("nines.circuitbreaker.buffered.calls", cb, c -> c.metrics().slowCalls())
                    .tags(tags.and("kind", "slow")).register(registry);
            FunctionCounter.builder("nines.circuitbreaker.not.permitted.calls", cb,
                            c -> c.metrics().notPermittedCalls())
                    .tags(tags).description("calls refused because the circuit was open").register(registry);
        };
    }

    public static MeterBinder retry(Retry retry) {
        return registry -> {
            Tags tags = Tags.of("name", retry.name());
            Counter retrying = counter(registry, "nines.retry.calls", tags.and("kind", "retried_attempt"));
            Counter exhausted = counter(registry, "nines.retry.calls", tags.and("kind", "exhausted"));
            Counter notRetryable = counter(registry, "nines.retry.calls", tags.and("kind", "not_retryable"));
            Counter budget = counter(registry, "nines.retry.calls", tags.and("kind", "budget_exhausted"));
            Counter succeeded = counter(registry, "nines.retry.calls", tags.and("kind", "succeeded_after_retry"));
            retry.events().subscribe(e -> {
                switch (e) {
                    case RetryEvent.Retrying r -> retrying.increment();
                    case RetryEvent.Exhausted x -> exhausted.increment();
                    case RetryEvent.NotRetryable n -> notRetryable.increment();
                    case RetryEvent.BudgetExhausted b -> budget.increment();
                    case RetryEvent.SucceededAfterRetry s -> succeeded.increment();
                }
            });
            Gauge.builder("nines.retry.budget.balance", retry, r -> r.budget().balance())
                    .tags(tags).description("retries the budget would allow now").register(registry);
            Gauge.builder("nines.retry.budget.requests", retry, r -> r.budget().requestsInWindow())
                    .tags(tags).description("requests in the budget's window").register(registry);
            Gauge.builder("nines.retry.budget.retries", retry, r -> r.budget().retriesInWindow())
                    .tags(tags).description("retries in the budget's window").register(registry);
        };
    }

    public static MeterBinder rateLimiter(RateLimiter rl) {
        return registry -> {
            Tags tags = Tags.of("name", rl.name());
            FunctionCounter.builder("nines.ratelimiter.refused.calls", rl, r -> r.metrics().refusals())
                    .tags(tags).register(registry);
            Gauge.builder("nines.ratelimiter.tracked.callers", rl, r -> r.metrics().trackedCallers())
                    .tags(tags).register(registry);
            FunctionCounter.builder("nines.ratelimiter.evicted.callers", rl, r -> r.metrics().evictions())
                    .tags(tags).register(registry);
        };
    }

    public static MeterBinder bulkhead(Bulkhead bh) {
        return registry -> {
            Tags tags = Tags.of("name", bh.name());
            Gauge.builder("nines.bulkhead.inflight", bh, Bulkhead::inflight).tags(tags).register(registry);
            Gauge.builder("nines.bulkhead.max.concurrent.calls", bh, b -> b.metrics().maxConcurrentCalls())
                    .tags(tags).register(registry);
            FunctionCounter.builder("nines.bulkhead.refused.calls", bh, b -> b.metrics().refusals())
                    .tags(tags).register(registry);
        };
    }

    public static MeterBinder concurrencyLimit(ConcurrencyLimit cl) {
        return registry -> {
            Tags tags = Tags.of("name", cl.name());
            Gauge.builder("nines.concurrencylimit.limit", cl, ConcurrencyLimit::limit).tags(tags).register(registry);
            Gauge.builder("nines.concurrencylimit.inflight", cl, ConcurrencyLimit::inflight).tags(tags)
                    .register(registry);
            FunctionCounter.builder("nines.concurrencylimit.shed.calls", cl, ConcurrencyLimit::shedCount)
                    .tags(tags).register(registry);
            Gauge.builder("nines.concurrencylimit.rtt.short", cl, c -> c.metrics().shortRttNanos() / 1e9)
                    .tags(tags).baseUnit("seconds").register(registry);
            Gauge.builder("nines.concurrencylimit.rtt.long", cl, c -> c.metrics().longRttNanos() / 1e9)
                    .tags(tags).baseUnit("seconds").register(registry);
        };
    }

    /** The binder for any nines-core policy instance. */
    public static MeterBinder of(Object policy) {
        return switch (policy) {
            case CircuitBreaker cb -> circuitBreaker(cb);
            case Retry r -> retry(r);
            case RateLimiter rl -> rateLimiter(rl);
            case Bulkhead bh -> bulkhead(bh);
            case ConcurrencyLimit cl -> concurrencyLimit(cl);
            default -> throw new IllegalArgumentException("no meters for " + policy.getClass().getName());
        };
    }

    /** Binds every policy of {@code policies}, now and as they are added. */
    public static <P> void bindAll(PolicyRegistry<P> policies, MeterRegistry registry) {
        policies.events().subscribe(added -> of(added.policy()).bindTo(registry));
        for (P p : policies.all()) {
            of(p).bindTo(registry);
        }
    }

    private static Counter counter(MeterRegistry registry, String name, Tags tags) {
        return Counter.builder(name).tags(tags).register(registry);
    }
}
