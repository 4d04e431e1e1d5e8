package io.nines.core.idempotency;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Runs an action at most once per idempotency key: the first caller runs it and its outcome is
 * recorded in an {@link IdempotencyStore}; a duplicate or retried call with the same key waits for
 * that outcome (while it is in progress) or returns the recorded one, instead of running again.
 */
public interface Idempotency {

    String name();

    <T> T execute(String key, Callable<T> action) throws Exception;

    <T> CompletionStage<T> executeAsync(String key, Supplier<? extends CompletionStage<T>> action);
}
