package io.nines.core.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nines.core.CallContext;
import io.nines.core.CircuitOpenException;
import io.nines.core.Clock;
import io.nines.core.InvalidConfigException;
import io.nines.core.ManualClock;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class RetryTest {

    static final CallContext CTX = CallContext.DEFAULT;
    final ManualClock clock = Clock.manual();

    RetryBuilder builder() {
        return Retry.builder("svc").clock(clock).budget(RetryBudget.unlimited());
    }

    static List<RetryEvent> record(Retry retry) {
        List<RetryEvent> events = new ArrayList<>();
        retry.events().subscribe(events::add);
        return events;
    }

    @Test
    void backoffIsFullJitterWithinZeroAndTheExponentialCapAndStopsAtMaxDelay() {
        Duration initial = Duration.ofMillis(10);
        Duration max = Duration.ofMillis(100);
        Retry retry = builder().maxAttempts(20).backoff(initial, 2.0, max).build();
        int samples = 4000;
        for (int attempt = 1; attempt <= 8; attempt++) {
            long cap = Math.min(max.toNanos(), (long) (initial.toNanos() * Math.pow(2, attempt - 1)));
            long min = Long.MAX_VALUE;
            long maxSeen = 0;
            double sum = 0;
            for (int i = 0; i < samples; i++) {
                long d = retry.nextDelayNanos(CTX, attempt, null, new IOException());
                assertThat(d).as("attempt %d", attempt).isBetween(0L, cap);
                min = Math.min(min, d);
                maxSeen = Math.max(maxSeen, d);
                sum += d;
            }
            // Full jitter spreads over the whole range: near 0, near the cap, mean near cap/2.
            assertThat(min).as("attempt %d min", attempt).isLessThan(cap / 20);
            assertThat(maxSeen).as("attempt %d max", attempt).isGreaterThan(cap - cap / 20);
            assertThat(sum / samples).as("attempt %d mean", attempt).isBetween(cap * 0.45, cap * 0.55);
        }
        // 10 ms * 2^4 = 160 ms > 100 ms: from attempt 5 on, the cap is maxDelay.
        long maxDelayNanos = max.toNanos();
        long seen = 0;
        for (int i = 0; i < samples; i++) {
            seen = Math.max(seen, retry.nextDelayNanos(CTX, 15, null, new IOException()));
        }
        assertThat(seen).isLessThanOrEqualTo(maxDelayNanos).isGreaterThan(maxDelayNanos * 9 / 10);
    }

    @Test
    void zeroInitialDelayRetriesImmediately() {
        Retry retry = builder().backoff(Duration.ZERO, 2.0, Duration.ZERO).build();
        assertThat(retry.nextDelayNanos(CTX, 1, null, new IOException())).isZero();
    }

    @Test
    void maxAttemptsCountsTheFirstAttempt() {
        for (int max = 1; max <= 5; max++) {
            Retry retry = builder().maxAttempts(max).build();
            List<RetryEvent> events = record(retry);
            int attempts = PipelineLoop.run(retry, CTX, () -> new IOException("down"));
            assertThat(attempts).isEqualTo(max);
            assertThat(events).last().isInstanceOfSatisfying(RetryEvent.Exhausted.class,
                    e -> assertThat(e.attempts()).isEqualTo(attempts));
            assertThat(events).filteredOn(RetryEvent.Retrying.class::isInstance).hasSize(max - 1);
        }
    }

    @Test
    void aNonRetryableErrorStopsAtOnceAndSaysWhy() {
        Retry retry = builder().maxAttempts(5).build();
        List<RetryEvent> events = record(retry);
        CircuitOpenException open = new CircuitOpenException("cb", "open");
        assertThat(PipelineLoop.run(retry, CTX, () -> open)).isEqualTo(1);
        assertThat(events).singleElement().isInstanceOfSatisfying(RetryEvent.NotRetryable.class, e -> {
            assertThat(e.reason()).isEqualTo(NonRetryableReason.REFUSED);
            assertThat(e.error()).isSameAs(open);
            assertThat(e.name()).isEqualTo("svc");
            assertThat(e.timeMillis()).isEqualTo(clock.currentTimeMillis());
        });
        events.clear();
        assertThat(PipelineLoop.run(retry, CallContext.nonIdempotent(), () -> new SocketTimeoutException()))
                .isEqualTo(1);
        assertThat(events).singleElement().isInstanceOfSatisfying(RetryEvent.NotRetryable.class,
                e -> assertThat(e.reason()).isEqualTo(NonRetryableReason.NOT_IDEMPOTENT));
    }

    @Test
    void retriesResultsFlaggedByThePredicateAndReportsSuccessAfterRetry() {
        Retry retry = builder().maxAttempts(4).retryOnResult(r -> "busy".equals(r)).build();
        List<RetryEvent> events = record(retry);
        assertThat(retry.nextDelayNanos(CTX, 1, "busy", null)).isGreaterThanOrEqualTo(0);
        assertThat(retry.nextDelayNanos(CTX, 2, "busy", null)).isGreaterThanOrEqualTo(0);
        assertThat(retry.nextDelayNanos(CTX, 3, "ok", null)).isEqualTo(-1);
        assertThat(events).hasSize(3);
        assertThat(events.get(0)).isInstanceOfSatisfying(RetryEvent.Retrying.class, e -> {
            assertThat(e.attempt()).isEqualTo(1);
            assertThat(e.error()).isNull();
        });
        assertThat(events.get(2)).isInstanceOfSatisfying(RetryEvent.SucceededAfterRetry.class,
                e -> assertThat(e.attempts()).isEqualTo(3));

        assertThat(retry.nextDelayNanos(CTX, 4, "busy", null)).as("attempts exhausted").isEqualTo(-1);
        assertThat(retry.nextDelayNanos(CallContext.nonIdempotent(), 1, "busy", null))
                .as("a non-idempotent call ran; it is not run again").isEqualTo(-1);
        assertThat(events).last().isInstanceOfSatisfying(RetryEvent.NotRetryable.class,
                e -> assertThat(e.reason()).isEqualTo(NonRetryableReason.NOT_IDEMPOTENT));
    }

    @Test
    void noResultIsRetriedByDefault() {
        Retry retry = builder().build();
        List<RetryEvent> events = record(retry);
        assertThat(retry.nextDelayNanos(CTX, 1, null, null)).isEqualTo(-1);
        assertThat(retry.nextDelayNanos(CTX, 1, "anything", null)).isEqualTo(-1);
        assertThat(events).as("a first-attempt success is not an event").isEmpty();
    }

    @Test
    void anEmptyBudgetStopsRetriesWithItsOwnEvent() {
        RetryBudget budget = RetryBudget.builder().percent(0).minRetriesPerSecond(0).clock(clock).build();
        Retry retry = builder().budget(budget).build();
        List<RetryEvent> events = record(retry);
        retry.onRequest();
        IOException err = new IOException();
        assertThat(retry.nextDelayNanos(CTX, 1, null, err)).isEqualTo(-1);
        assertThat(events).singleElement().isInstanceOfSatisfying(RetryEvent.BudgetExhausted.class, e -> {
            assertThat(e.attempt()).isEqualTo(1);
            assertThat(e.error()).isSameAs(err);
        });
        assertThat(retry.budget()).isSameAs(budget);
    }

    @Test
    void aRetryTakesFromTheBudgetOnlyWhenItWillHappen() {
        RetryBudget budget = RetryBudget.builder().percent(0).minRetriesPerSecond(1).ttl(Duration.ofSeconds(2))
                .clock(clock).build();
        Retry retry = builder().maxAttempts(2).budget(budget).build();
        assertThat(budget.balance()).isEqualTo(2);
        retry.nextDelayNanos(CTX, 1, null, new IllegalArgumentException()); // not retryable
        retry.nextDelayNanos(CTX, 2, null, new IOException());              // exhausted
        retry.nextDelayNanos(CTX, 1, null, null);                          // success
        assertThat(budget.balance()).isEqualTo(2);
        assertThat(retry.nextDelayNanos(CTX, 1, null, new IOException())).isGreaterThanOrEqualTo(0);
        assertThat(budget.balance()).isEqualTo(1);
    }

    @Test
    void theSameErrorRepeatingIsTreatedAsLongLasting() {
        Retry retry = builder().maxAttempts(10).giveUpAfterSameError(3).build();
        List<RetryEvent> events = record(retry);
        // A run of 3 identical failures ends the retries.
        assertThat(PipelineLoop.run(retry, CTX, () -> new ConnectException("refused"))).isEqualTo(3);
        assertThat(events).last().isInstanceOfSatisfying(RetryEvent.NotRetryable.class,
                e -> assertThat(e.reason()).isEqualTo(NonRetryableReason.SAME_ERROR_REPEATED));
        // The error is still going on: the next request is not retried at all.
        assertThat(PipelineLoop.run(retry, CTX, () -> new ConnectException("refused"))).isEqualTo(1);
        // A success ends the run; failures that vary are retried up to maxAttempts.
        retry.nextDelayNanos(CTX, 1, "ok", null);
        int[] n = {0};
        assertThat(PipelineLoop.run(retry, CTX,
                () -> n[0]++ % 2 == 0 ? new ConnectException() : new SocketTimeoutException())).isEqualTo(10);
        // A different error ends the run too.
        assertThat(PipelineLoop.run(retry, CTX, () -> new IOException())).isEqualTo(3);
        assertThat(PipelineLoop.run(retry, CTX, () -> new SocketTimeoutException())).isEqualTo(3);
    }

    @Test
    void perTryTimeoutIsReportedInNanosOrZero() {
        assertThat(builder().build().perTryTimeoutNanos()).isZero();
        assertThat(builder().perTryTimeout(Duration.ofMillis(250)).build().perTryTimeoutNanos())
                .isEqualTo(250_000_000L);
    }

    @Test
    void ofBuildsFromAConfigAndDefaultsAreSane() {
        RetryConfig defaults = RetryConfig.defaults();
        assertThat(defaults.maxAttempts()).isEqualTo(3);
        assertThat(defaults.initialDelay()).isEqualTo(Duration.ofMillis(100));
        assertThat(defaults.multiplier()).isEqualTo(2.0);
        assertThat(defaults.maxDelay()).isEqualTo(Duration.ofSeconds(2));
        assertThat(defaults.perTryTimeout()).isEmpty();
        assertThat(defaults.retryUnsentNonIdempotent()).isTrue();
        Retry retry = Retry.of("db", defaults, clock);
        assertThat(retry.name()).isEqualTo("db");
        assertThat(retry.config()).isSameAs(defaults);
        assertThat(retry.budget().balance()).as("default budget: floor 3/s over 10 s")
                .isEqualTo(RetryBudgetConfig.DEFAULT.floor()).isEqualTo(30);
        RetryBudget shared = RetryBudget.unlimited();
        assertThat(Retry.of("db", defaults, shared, clock).budget()).isSameAs(shared);
        assertThat(Retry.builder("b").clock(clock).build().budget().balance()).isEqualTo(30);
    }

    @Test
    void badConfigNamesTheField() {
        assertInvalid(b -> b.maxAttempts(0), "maxAttempts");
        assertInvalid(b -> b.initialDelay(Duration.ofMillis(-1)), "initialDelay");
        assertInvalid(b -> b.initialDelay(null), "initialDelay");
        assertInvalid(b -> b.multiplier(0.5), "multiplier");
        assertInvalid(b -> b.multiplier(Double.NaN), "multiplier");
        assertInvalid(b -> b.multiplier(Double.POSITIVE_INFINITY), "multiplier");
        assertInvalid(b -> b.initialDelay(Duration.ofSeconds(5)).maxDelay(Duration.ofSeconds(1)), "maxDelay");
        assertInvalid(b -> b.maxDelay(Duration.ofDays(2)), "maxDelay");
        assertInvalid(b -> b.perTryTimeout(Duration.ZERO), "perTryTimeout");
        assertInvalid(b -> b.retryOnException(null), "retryOnException");
        assertInvalid(b -> b.retryOnResult(null), "retryOnResult");
        assertInvalid(b -> b.abortOn((Class<? extends Throwable>) null), "abortOn");
        assertInvalid(b -> b.giveUpAfterSameError(1), "giveUpAfterSameError");
        assertInvalid(b -> b.giveUpAfterSameError(-1), "giveUpAfterSameError");
        assertThatThrownBy(() -> Retry.builder(null)).isInstanceOfSatisfying(InvalidConfigException.class,
                e -> assertThat(e.field()).isEqualTo("name"));
    }

    private static void assertInvalid(Consumer<RetryBuilder> change, String field) {
        RetryBuilder b = Retry.builder("x");
        change.accept(b);
        assertThatThrownBy(b::config).isInstanceOfSatisfying(InvalidConfigException.class, e -> {
            assertThat(e.policy()).isEqualTo("retry");
            assertThat(e.field()).isEqualTo(field);
        });
        assertThatThrownBy(b::build).isInstanceOf(InvalidConfigException.class);
    }

    @Test
    void theSuccessPathAllocatesNothing() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Retry retry = Retry.builder("hot").clock(clock).giveUpAfterSameError(3).build(); // windowed default budget
        retry.events().subscribe(e -> { }); // listeners present: first-attempt success must still not allocate
        long tid = Thread.currentThread().threadId();
        long sink = 0;
        for (int i = 0; i < 300_000; i++) { // let the JIT compile it
            retry.onRequest();
            sink += retry.nextDelayNanos(CTX, 1, "ok", null);
        }
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 1_000_000; i++) {
            retry.onRequest();
            sink += retry.nextDelayNanos(CTX, 1, "ok", null);
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertThat(sink).isEqualTo(-1_300_000L);
        assertThat(allocated).as("bytes allocated by 1M requests").isLessThan(4096);
    }
}
