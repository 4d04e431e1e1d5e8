package io.nines.core.retry;

import static org.assertj.core.api.Assertions.assertThat;

import io.nines.core.CallContext;
import io.nines.core.Clock;
import io.nines.core.ManualClock;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The seed's story: retries at several layers multiplied the traffic sent to a failing service 16 times.
 * Here a target fails every attempt, and a loop that behaves like the pipeline (onRequest, attempt, then
 * attempt again while nextDelayNanos >= 0, without sleeping) sends requests through Retry policies.
 */
class RetryAmplificationTest {

    static final int PERCENT = 20;
    static final int MIN_PER_SECOND = 3;
    static final Duration TTL = Duration.ofSeconds(10);
    static final long FLOOR = MIN_PER_SECOND * TTL.toSeconds(); // 30

    final ManualClock clock = Clock.manual();

    RetryBudget budget() {
        return RetryBudget.builder().percent(PERCENT).minRetriesPerSecond(MIN_PER_SECOND).ttl(TTL).clock(clock).build();
    }

    Retry retry(String name, RetryBudget budget) {
        return Retry.builder(name).maxAttempts(5).clock(clock).budget(budget).build();
    }

    static long bound(long requests) {
        return requests + requests * PERCENT / 100 + FLOOR;
    }

    @Test
    void withoutABudgetEveryRequestCostsMaxAttempts() {
        Retry retry = retry("nobudget", RetryBudget.unlimited());
        AtomicLong attempts = new AtomicLong();
        for (int i = 0; i < 1_000; i++) {
            PipelineLoop.run(retry, CallContext.DEFAULT, failing(attempts));
        }
        assertThat(attempts).hasValue(5_000);
    }

    @Test
    void aBudgetCapsAttemptsAtOnePointTwoTimesRequestsPlusTheFloor() {
        Retry retry = retry("budgeted", budget());
        AtomicLong attempts = new AtomicLong();
        int requests = 1_000;
        for (int i = 0; i < requests; i++) {
            PipelineLoop.run(retry, CallContext.DEFAULT, failing(attempts));
        }
        assertThat(attempts.get()).isLessThanOrEqualTo(bound(requests));
        // One thread, a frozen clock: the budget is spent to the last retry, no more, no less.
        assertThat(attempts).hasValue(bound(requests));
        assertThat(retry.budget().retriesInWindow()).isEqualTo(bound(requests) - requests);
    }

    @Test
    void theCapHoldsForEightConcurrentCallersSharingTheBudget() throws Exception {
        RetryBudget shared = budget();
        // Two policies (two callers of the same target) share one budget.
        Retry a = retry("caller-a", shared);
        Retry b = retry("caller-b", shared);
        AtomicLong attempts = new AtomicLong();
        int perThread = 2_000;
        RetryBudgetTest.runConcurrently(8, i -> {
            Retry r = i % 2 == 0 ? a : b;
            for (int k = 0; k < perThread; k++) {
                PipelineLoop.run(r, CallContext.DEFAULT, failing(attempts));
            }
            return 0;
        });
        long requests = 8L * perThread;
        assertThat(attempts.get()).isLessThanOrEqualTo(bound(requests));
        assertThat(attempts.get() - requests).as("the floor is spent at least").isGreaterThanOrEqualTo(FLOOR);
        assertThat(shared.requestsInWindow()).isEqualTo(requests);
        assertThat(shared.retriesInWindow()).isEqualTo(attempts.get() - requests);
    }

    @Test
    void nestedLayersMultiplyWithoutBudgetsButNotWithThem() {
        int requests = 1_000;
        // Two layers (say a proxy and a client), 4 attempts each: 16 attempts reach the target per request.
        AtomicLong unbounded = new AtomicLong();
        runNested(requests, RetryBudget.unlimited(), RetryBudget.unlimited(), unbounded);
        assertThat(unbounded).hasValue(16L * requests);

        AtomicLong bounded = new AtomicLong();
        RetryBudget outer = budget();
        RetryBudget inner = budget();
        runNested(requests, outer, inner, bounded);
        long outerAttempts = bound(requests);          // what the inner layer receives as requests
        long innerBound = outerAttempts + outerAttempts * PERCENT / 100 + FLOOR;
        assertThat(bounded.get()).isLessThanOrEqualTo(innerBound);
        assertThat((double) bounded.get() / requests).isLessThan(1.6);
        // After the window the budget is back, but never more than the floor plus its share.
        clock.advance(TTL);
        AtomicLong later = new AtomicLong();
        runNested(requests, outer, inner, later);
        assertThat(later.get()).isLessThanOrEqualTo(innerBound);
    }

    private void runNested(int requests, RetryBudget outerBudget, RetryBudget innerBudget, AtomicLong targetAttempts) {
        Retry outer = Retry.builder("proxy").maxAttempts(4).clock(clock).budget(outerBudget).build();
        Retry inner = Retry.builder("client").maxAttempts(4).clock(clock).budget(innerBudget).build();
        IOException last = new IOException("still down");
        for (int i = 0; i < requests; i++) {
            // Each outer attempt is a whole inner request; it fails with the inner's last error.
            PipelineLoop.run(outer, CallContext.DEFAULT, () -> {
                PipelineLoop.run(inner, CallContext.DEFAULT, failing(targetAttempts));
                return last;
            });
        }
    }

    static Supplier<Throwable> failing(AtomicLong attempts) {
        return () -> {
            attempts.incrementAndGet();
            return new ConnectException("refused");
        };
    }
}
