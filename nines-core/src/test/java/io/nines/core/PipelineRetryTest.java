package io.nines.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nines.core.retry.Retry;
import io.nines.core.retry.RetryBudget;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Retry inside a real pipeline: the budget bounds amplification, and the never-retry rules hold end to end. */
class PipelineRetryTest {

    private static final int PERCENT = 20;
    private static final int FLOOR_PER_SECOND = 3;
    private static final Duration TTL = Duration.ofSeconds(10);
    private static final long FLOOR = FLOOR_PER_SECOND * TTL.toSeconds();

    private static Pipeline failingTargetPipeline(ManualClock clock) {
        RetryBudget budget = RetryBudget.builder().percent(PERCENT).minRetriesPerSecond(FLOOR_PER_SECOND).ttl(TTL)
                .clock(clock).build();
        Retry retry = Retry.builder("target").maxAttempts(5).backoff(Duration.ZERO, 2.0, Duration.ZERO)
                .budget(budget).clock(clock).build();
        return Pipeline.builder("target").retry(retry).clock(clock).build();
    }

    @ParameterizedTest(name = "{0} concurrent callers")
    @ValueSource(ints = {1, 8})
    void theBudgetBoundsAttemptsAgainstAnAlwaysFailingTarget(int callers) throws Exception {
        ManualClock clock = new ManualClock();
        Pipeline pipeline = failingTargetPipeline(clock);
        AtomicLong attempts = new AtomicLong();
        int requestsPerCaller = 2000 / callers;
        CyclicBarrier start = new CyclicBarrier(callers);
        List<Thread> threads = new ArrayList<>();
        AtomicInteger failures = new AtomicInteger();
        for (int c = 0; c < callers; c++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await(10, TimeUnit.SECONDS);
                    for (int i = 0; i < requestsPerCaller; i++) {
                        try {
                            pipeline.call(() -> {
                                attempts.incrementAndGet();
                                throw new IOException("target down");
                            });
                        } catch (IOException expected) {
                            failures.incrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(30));
        }
        long requests = (long) requestsPerCaller * callers;
        assertThat(failures).hasValue((int) requests);
        // Without a budget this would be 5 x requests.
        assertThat(attempts.get()).isLessThanOrEqualTo((long) ((1 + PERCENT / 100.0) * requests) + FLOOR)
                .isGreaterThan(requests);
    }

    @Test
    void aNonIdempotentCallIsRetriedOnlyWithAnIdempotencyKey() throws Exception {
        Retry retry = Retry.builder("writes").maxAttempts(3).backoff(Duration.ZERO, 1.0, Duration.ZERO)
                .budget(RetryBudget.unlimited()).build();
        Pipeline pipeline = Pipeline.builder("writes").retry(retry).build();
        AtomicInteger runs = new AtomicInteger();

        assertThatThrownBy(() -> pipeline.call(CallContext.nonIdempotent(), () -> {
            runs.incrementAndGet();
            throw new IOException("reset by peer");
        })).isInstanceOf(IOException.class);
        assertThat(runs).as("a debit without a key must not run twice").hasValue(1);

        runs.set(0);
        String result = pipeline.call(CallContext.nonIdempotent().withIdempotencyKey("debit-42"), () -> {
            if (runs.incrementAndGet() < 3) {
                throw new IOException("reset by peer");
            }
            return "debited";
        });
        assertThat(result).isEqualTo("debited");
        assertThat(runs).hasValue(3);
    }

    @Test
    void refusalsAndBusinessErrorsAreNeverRetried() {
        Retry retry = Retry.builder("r").maxAttempts(5).backoff(Duration.ZERO, 1.0, Duration.ZERO)
                .budget(RetryBudget.unlimited()).build();
        Pipeline pipeline = Pipeline.builder("r").retry(retry).build();
        AtomicInteger runs = new AtomicInteger();

        assertThatThrownBy(() -> pipeline.call(() -> {
            runs.incrementAndGet();
            throw new CircuitOpenException("downstream", "open");
        })).isInstanceOf(CircuitOpenException.class);
        assertThat(runs).hasValue(1);

        class InsufficientFunds extends RuntimeException implements io.nines.core.retry.BusinessError {}
        runs.set(0);
        assertThatThrownBy(() -> pipeline.call(() -> {
            runs.incrementAndGet();
            throw new InsufficientFunds();
        })).isInstanceOf(InsufficientFunds.class);
        assertThat(runs).hasValue(1);
    }

    @Test
    void asyncRetriesRunUntilSuccessWithoutBlocking() throws Exception {
        Retry retry = Retry.builder("async").maxAttempts(4).backoff(Duration.ofMillis(1), 2.0, Duration.ofMillis(5))
                .budget(RetryBudget.unlimited()).build();
        Pipeline pipeline = Pipeline.builder("async").retry(retry).build();
        AtomicInteger runs = new AtomicInteger();

        String r = pipeline.callAsync(() -> runs.incrementAndGet() < 3
                ? CompletableFuture.<String>failedFuture(new IOException("flaky"))
                : CompletableFuture.completedFuture("ok")).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(r).isEqualTo("ok");
        assertThat(runs).hasValue(3);

        runs.set(0);
        assertThatThrownBy(() -> pipeline.callAsync(() -> {
            runs.incrementAndGet();
            return CompletableFuture.<String>failedFuture(new IOException("down"));
        }).toCompletableFuture().get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IOException.class);
        assertThat(runs).hasValue(4);
    }

    @Test
    void aPerTryTimeoutBoundsEachAttemptAndTheNextAttemptCanSucceed() throws Exception {
        Retry retry = Retry.builder("slow").maxAttempts(3).backoff(Duration.ZERO, 1.0, Duration.ZERO)
                .perTryTimeout(Duration.ofMillis(50)).budget(RetryBudget.unlimited()).build();
        Pipeline pipeline = Pipeline.builder("slow").retry(retry).build();
        AtomicInteger runs = new AtomicInteger();
        java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);

        String r = pipeline.call(() -> {
            if (runs.incrementAndGet() == 1) {
                never.await(30, TimeUnit.SECONDS); // the first try hangs until the per-try timeout interrupts it
            }
            return "second try";
        });
        assertThat(r).isEqualTo("second try");
        assertThat(runs).hasValue(2);
    }
}
