package io.nines.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nines.core.idempotency.Idempotency;
import io.nines.core.idempotency.InMemoryIdempotencyStore;
import io.nines.core.retry.BusinessError;
import io.nines.core.retry.Retry;
import io.nines.core.retry.RetryBudget;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Idempotency keys through a pipeline: duplicates replay, inner retries of the holder still run. */
class PipelineIdempotencyTest {

    static final class InsufficientFunds extends RuntimeException implements BusinessError {
        InsufficientFunds() {
            super("insufficient funds");
        }
    }

    private static Pipeline debits() {
        Retry retry = Retry.builder("debit").maxAttempts(3).backoff(Duration.ZERO, 1, Duration.ZERO)
                .budget(RetryBudget.unlimited()).build();
        Idempotency idempotency = Idempotency.builder("debit").store(new InMemoryIdempotencyStore())
                .inProgressTtl(Duration.ofSeconds(30)).maxWait(Duration.ofSeconds(10)).build();
        return Pipeline.builder("debit").idempotency(idempotency).retry(retry).build();
    }

    @Test
    void concurrentDuplicatesRunADebitOnceAndAllSeeItsReceipt() throws Exception {
        Pipeline pipeline = debits();
        AtomicInteger debits = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                answers.add(pool.submit(() -> {
                    go.await();
                    return pipeline.call(CallContext.nonIdempotent().withIdempotencyKey("order-7"), () -> {
                        // The holder's first attempt fails transiently; its own retry runs again under the key.
                        if (debits.incrementAndGet() == 1) {
                            throw new IOException("connection reset");
                        }
                        return "receipt-" + debits.get();
                    });
                }));
            }
            go.countDown();
            for (Future<String> f : answers) {
                assertThat(f.get(20, TimeUnit.SECONDS)).isEqualTo("receipt-2");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(debits).as("one failed attempt and one successful retry, never a duplicate debit").hasValue(2);
    }

    @Test
    void aBusinessErrorIsTheRecordedAnswerAndATransientFailureLetsTheNextCallRun() throws Exception {
        Pipeline pipeline = debits();
        AtomicInteger runs = new AtomicInteger();
        CallContext refused = CallContext.nonIdempotent().withIdempotencyKey("order-8");

        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> pipeline.call(refused, () -> {
                runs.incrementAndGet();
                throw new InsufficientFunds();
            })).isInstanceOf(InsufficientFunds.class);
        }
        assertThat(runs).as("the refusal was recorded and replayed").hasValue(1);

        runs.set(0);
        CallContext flaky = CallContext.nonIdempotent().withIdempotencyKey("order-9");
        assertThatThrownBy(() -> pipeline.call(flaky, () -> {
            runs.incrementAndGet();
            throw new IOException("down");
        })).isInstanceOf(IOException.class);
        assertThat(pipeline.call(flaky, () -> "ok after the outage")).isEqualTo("ok after the outage");
        assertThat(pipeline.call(flaky, () -> "must not run")).isEqualTo("ok after the outage");
    }
}
