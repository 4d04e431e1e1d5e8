package io.nines.core.idempotency;

import io.nines.core.IdempotencyInProgressException;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.Predicate;

/**
 * Immutable, validated configuration of an {@link Idempotency}; built by {@link IdempotencyBuilder#config()}.
 *
 * @param store           where in-progress leases and outcomes are recorded
 * @param inProgressTtl   lease of a running execution: if its holder crashes, the key is taken over once
 *                        the lease ends. Must exceed the action's longest run (bound it with a timeout),
 *                        else a slow holder may be taken over while it still runs
 * @param retention       how long an outcome is kept and replayed
 * @param pollInterval    first pause of a duplicate waiting on an in-progress key; doubled (with jitter) on
 *                        each poll up to {@code maxPollInterval}. Stores that can notify wake waiters at once
 * @param maxPollInterval longest pause between polls
 * @param maxWait         how long a duplicate waits before giving up with {@link IdempotencyInProgressException};
 *                        zero means it does not wait
 * @param recordFailure   which errors are recorded and replayed (business errors: running again gives the
 *                        same answer); any other error releases the key so a retry runs the action again
 * @param asyncExecutor   runs store calls and waits of {@link Idempotency#executeAsync}; {@code null} for
 *                        a new virtual thread per task
 */
public record IdempotencyConfig(IdempotencyStore store, Duration inProgressTtl, Duration retention,
        Duration pollInterval, Duration maxPollInterval, Duration maxWait,
        Predicate<? super Throwable> recordFailure, Executor asyncExecutor) {
}
