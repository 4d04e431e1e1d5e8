package io.nines.core.idempotency;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** Delegates to a store and remembers which owners were told "in progress", so tests know who is waiting. */
final class CountingStore implements IdempotencyStore {

    private final IdempotencyStore delegate;
    final Set<String> toldInProgress = ConcurrentHashMap.newKeySet();

    CountingStore(IdempotencyStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public BeginResult begin(String key, String owner, Duration lease) {
        BeginResult r = delegate.begin(key, owner, lease);
        if (r instanceof InProgress) {
            toldInProgress.add(owner);
        }
        return r;
    }

    @Override
    public boolean complete(String key, String owner, RecordedOutcome outcome, Duration retention) {
        return delegate.complete(key, owner, outcome, retention);
    }

    @Override
    public boolean release(String key, String owner) {
        return delegate.release(key, owner);
    }

    @Override
    public CompletableFuture<Void> onChange(String key) {
        return delegate.onChange(key);
    }
}
