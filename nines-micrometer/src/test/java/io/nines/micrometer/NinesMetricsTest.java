package io.nines.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nines.core.CallContext;
import io.nines.core.ManualClock;
import io.nines.core.Pipeline;
import io.nines.core.RateLimitedException;
import io.nines.core.bulkhead.Bulkhead;
import io.nines.core.circuitbreaker.CircuitBreaker;
import io.nines.core.concurrencylimit.ConcurrencyLimit;
import io.nines.core.ratelimiter.Quota;
import io.nines.core.ratelimiter.RateLimiter;
import io.nines.core.registry.PolicyRegistry;
import io.nines.core.retry.Retry;
import io.nines.core.retry.RetryBudget;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class NinesMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ManualClock clock = new ManualClock();

    private double gauge(String name, String... tags) {
        return registry.get(name).tags(tags).gauge().value();
    }

    private double counter(String name, String... tags) {
        return registry.get(name).tags(tags).functionCounter().count();
    }

    @Test
    void circuitBreakerStateAndRatesFollowThePolicy() {
        CircuitBreaker cb = CircuitBreaker.builder("payments").slidingWindowSize(4).minimumNumberOfCalls(4)
                .failureRateThreshold(50).clock(clock).build();
        NinesMetrics.circuitBreaker(cb).bindTo(registry);
        Pipeline p = Pipeline.builder("payments").circuitBreaker(cb).build();

        assertThat(gauge("nines.circuitbreaker.state", "name", "payments", "state", "closed")).isEqualTo(1);
        for (int i = 0; i < 4; i++) {
            try {
                p.call(() -> {
                    throw new IOException("down");
                });
            } catch (Exception expected) {
                // counted by the breaker
            }
        }
        assertThat(gauge("nines.circuitbreaker.state", "name", "payments", "state", "open")).isEqualTo(1);
        assertThat(gauge("nines.circuitbreaker.state", "name", "payments", "state", "closed")).isZero();
        assertThat(gauge("nines.circuitbreaker.failure.rate", "name", "payments")).isEqualTo(100);
        assertThatThrownBy(() -> p.call(() -> "x")).isInstanceOf(io.nines.core.CircuitOpenException.class);
        assertThat(counter("nines.circuitbreaker.not.permitted.calls", "name", "payments")).isEqualTo(1);
    }

    @Test
    void pipelineCallsAreTimedByOutcomeIncludingEachRefusal() throws Exception {
        RateLimiter rl = RateLimiter.builder("api").perCaller(true).defaultQuota(Quota.of(2, Duration.ofSeconds(1), 2))
                .clock(clock).build();
        Pipeline p = Pipeline.builder("api").rateLimiter(rl).observer(new CallMetrics("api", registry)).build();
        NinesMetrics.rateLimiter(rl).bindTo(registry);

        p.call(CallContext.caller("A"), () -> "ok");
        p.call(CallContext.caller("A"), () -> "ok");
        assertThatThrownBy(() -> p.call(CallContext.caller("A"), () -> "ok")).isInstanceOf(RateLimitedException.class);
        assertThatThrownBy(() -> p.call(CallContext.caller("B"), () -> {
            throw new IOException("boom");
        })).isInstanceOf(IOException.class);

        assertThat(registry.get("nines.calls").tags("pipeline", "api", "outcome", "success").timer().count()).isEqualTo(2);
        assertThat(registry.get("nines.calls").tags("pipeline", "api", "outcome", "rate_limited").timer().count()).isEqualTo(1);
        assertThat(registry.get("nines.calls").tags("pipeline", "api", "outcome", "failure").timer().count()).isEqualTo(1);
        assertThat(counter("nines.ratelimiter.refused.calls", "name", "api")).isEqualTo(1);
        assertThat(gauge("nines.ratelimiter.tracked.callers", "name", "api")).isEqualTo(2);
    }

    @Test
    void retriesAndTheirBudgetAreCounted() {
        Retry retry = Retry.builder("db").maxAttempts(3).backoff(Duration.ZERO, 1, Duration.ZERO)
                .budget(RetryBudget.builder().percent(10).minRetriesPerSecond(1).ttl(Duration.ofSeconds(2)).clock(clock).build())
                .clock(clock).build();
        NinesMetrics.retry(retry).bindTo(registry);
        Pipeline p = Pipeline.builder("db").retry(retry).build();

        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> p.call(() -> {
                throw new IOException("down");
            })).isInstanceOf(IOException.class);
        }
        double retried = registry.get("nines.retry.calls").tags("name", "db", "kind", "retried_attempt").counter().count();
        double budgetOut = registry.get("nines.retry.calls").tags("name", "db", "kind", "budget_exhausted").counter().count();
        // Floor of 2 retries in the window (1/s x 2 s), 10 % of 3 requests adds nothing whole.
        assertThat(retried).isEqualTo(2);
        assertThat(budgetOut).isGreaterThanOrEqualTo(1);
        assertThat(gauge("nines.retry.budget.requests", "name", "db")).isEqualTo(3);
    }

    @Test
    void registriesBindExistingAndLaterPolicies() {
        PolicyRegistry<Bulkhead> bulkheads = PolicyRegistry.of(n -> Bulkhead.builder(n).maxConcurrentCalls(7).build());
        bulkheads.get("early");
        NinesMetrics.bindAll(bulkheads, registry);
        Bulkhead late = bulkheads.get("late");
        assertThat(late.tryAcquire(null)).isTrue();

        assertThat(gauge("nines.bulkhead.max.concurrent.calls", "name", "early")).isEqualTo(7);
        assertThat(gauge("nines.bulkhead.inflight", "name", "late")).isEqualTo(1);
    }

    @Test
    void concurrencyLimitExposesItsLimit() {
        ConcurrencyLimit cl = ConcurrencyLimit.builder("shed").clock(clock).build();
        NinesMetrics.of(cl).bindTo(registry);
        assertThat(gauge("nines.concurrencylimit.limit", "name", "shed")).isEqualTo(cl.limit());
        assertThatThrownBy(() -> NinesMetrics.of("not a policy")).isInstanceOf(IllegalArgumentException.class);
    }
}
