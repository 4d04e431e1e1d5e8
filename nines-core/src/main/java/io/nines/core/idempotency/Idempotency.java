package io.nines.core.idempotency;

import io.nines.core.IdempotencyInProgressException;
import io.nines.core.Clock;
import io.nines.core.event.EventPublisher;
import io.nines.core.idempotency.internal.DefaultIdempotency;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Runs an action at most once per idempotency key: the first caller runs it and its outcome is
 * recorded in an {@link IdempotencyStore}; a duplicate or retried call with the same key waits for
 * that outcome (while it is in progress) or returns the recorded one, instead of running again.
 *
 * <p>Successes are recorded for {@link IdempotencyConfig#retention()}. A failure releases the key, so a
 * retry runs the action again, unless it is a business error selected by
 * {@link IdempotencyBuilder#recordFailuresIf}, which is recorded and rethrown to duplicates. A holder
 * that crashes keeps the key only until its lease ({@link IdempotencyConfig#inProgressTtl()}) ends; the
 * next call then takes it over. A duplicate waits at most {@link IdempotencyConfig#maxWait()}, then
 * fails with {@link IdempotencyInProgressException}. If the store cannot be reached, the call fails with
 * {@link IdempotencyStoreException} without running.
 *
 * <pre>{@code
 * Idempotency idem = Idempotency.builder("payments")
 *         .store(new JdbcIdempotencyStore(dataSource, "idempotency"))
 *         .inProgressTtl(Duration.ofSeconds(30))
 *         .recordFailures(PaymentDeclinedException.class)
 *         .build();
 * Receipt r = idem.execute(request.idempotencyKey(), () -> charge(request));
 * }</pre>
 */
public interface Idempotency {

    String name();

    IdempotencyConfig config();

    /**
     * Runs {@code action} unless {@code key} already has an outcome or an execution in progress; returns
     * (or throws) that outcome. Throws {@link IdempotencyInProgressException} if waiting exceeds
     * {@code maxWait}, and {@link InterruptedException} if interrupted while waiting.
     */
    <T> T execute(String key, Callable<T> action) throws Exception;

    /**
     * As {@link #execute}, without blocking the caller: store calls and waits run on the configured
     * executor. {@code action} is called at most once, only if this call acquires the key.
     */
    <T> CompletionStage<T> executeAsync(String key, Supplier<? extends CompletionStage<T>> action);

    EventPublisher<IdempotencyEvent> events();

    static IdempotencyBuilder builder(String name) {
        return new IdempotencyBuilder(name);
    }

    static Idempotency of(String name, IdempotencyConfig config, Clock clock) {
        return new DefaultIdempotency(name, config, clock);
    }
}
