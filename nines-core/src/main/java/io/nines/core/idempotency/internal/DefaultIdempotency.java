package io.nines.core.idempotency.internal;

import io.nines.core.IdempotencyInProgressException;
import io.nines.core.Clock;
import io.nines.core.event.EventPublisher;
import io.nines.core.idempotency.Idempotency;
import io.nines.core.idempotency.IdempotencyConfig;
import io.nines.core.idempotency.IdempotencyEvent;
import io.nines.core.idempotency.IdempotencyStore;
import io.nines.core.idempotency.IdempotencyStore.Acquired;
import io.nines.core.idempotency.IdempotencyStore.BeginResult;
import io.nines.core.idempotency.IdempotencyStore.Completed;
import io.nines.core.idempotency.IdempotencyStore.InProgress;
import io.nines.core.idempotency.OutcomeCodecException;
import io.nines.core.idempotency.RecordedOutcome;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The idempotency policy. Each execution gets a fresh owner token and asks the store to begin; the
 * winner runs the action and records (or releases) the outcome; the others replay the recorded outcome,
 * or wait while it is in progress, polling with doubling, jittered pauses (or woken by the store) and
 * never past the holder's lease end, so that a crashed holder is taken over promptly.
 */
public final class DefaultIdempotency implements Idempotency {

    private static final Logger LOG = LoggerFactory.getLogger(DefaultIdempotency.class);
    private static final long MIN_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final String name;
    private final IdempotencyConfig config;
    private final Clock clock;
    private final IdempotencyStore store;
    private final Duration lease;
    private final Duration retention;
    private final long maxWaitNanos;
    private final long pollNanos;
    private final long maxPollNanos;
    private final Executor executor;
    private final EventPublisher<IdempotencyEvent> events = new EventPublisher<>();

    public DefaultIdempotency(String name, IdempotencyConfig config, Clock clock) {
        this.name = name;
        this.config = config;
        this.clock = clock;
        this.store = config.store();
        this.lease = config.inProgressTtl();
        this.retention = config.retention();
        this.maxWaitNanos = config.maxWait().toNanos();
        this.pollNanos = config.pollInterval().toNanos();
        this.maxPollNanos = config.maxPollInterval().toNanos();
        this.executor = config.asyncExecutor() != null ? config.asyncExecutor() : virtualThreads(name);
    }

    private static Executor virtualThreads(String name) {
        ThreadFactory factory = Thread.ofVirtual().name("nines-idempotency-" + name + "-", 0).factory();
        return task -> factory.newThread(task).start();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public IdempotencyConfig config() {
        return config;
    }

    @Override
    public EventPublisher<IdempotencyEvent> events() {
        return events;
    }

    @Override
    public <T> T execute(String key, Callable<T> action) throws Exception {
        checkKey(key);
        Waiter w = new Waiter(key);
        while (true) {
            CompletableFuture<Void> change = store.onChange(key);
            BeginResult begun = w.begin();
            switch (begun) {
                case Acquired a -> {
                    w.acquired(a);
                    return run(key, w.owner, action);
                }
                case Completed c -> {
                    w.endWait();
                    return replay(key, c.outcome());
                }
                case InProgress p -> {
                    long pause = w.nextPause(p); // throws when maxWait is exhausted
                    if (change != null) {
                        try {
                            change.get(pause, TimeUnit.NANOSECONDS);
                        } catch (TimeoutException | ExecutionException e) {
                            // timed out: poll again
                        }
                    } else {
                        TimeUnit.NANOSECONDS.sleep(pause);
                    }
                }
            }
        }
    }

    @Override
    public <T> CompletionStage<T> executeAsync(String key, Supplier<? extends CompletionStage<T>> action) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            checkKey(key);
        } catch (IllegalArgumentException e) {
            result.completeExceptionally(e);
            return result;
        }
        AsyncCall<T> call = new AsyncCall<>(new Waiter(key), action, result);
        submit(call::attempt);
        return result;
    }

    // ---- one call: begin, wait, time out ----

    /** The state of one call across its polls of the store. */
    private final class Waiter {
        final String key;
        final String owner = UUID.randomUUID().toString();
        final long started = clock.nanoTime();
        long pause = pollNanos;
        boolean waited;

        Waiter(String key) {
            this.key = key;
        }

        BeginResult begin() {
            BeginResult r = store.begin(key, owner, lease);
            if (r instanceof InProgress p && owner.equals(p.owner())) {
                // Our own earlier begin reached the store although its reply was lost: we hold the key.
                return Acquired.free();
            }
            return r;
        }

        void acquired(Acquired a) {
            endWait();
            if (a.tookOver()) {
                LOG.info("idempotency {}: key '{}' taken over from {} whose lease expired", name, key, a.previousOwner());
                if (events.hasListeners()) {
                    events.publish(new IdempotencyEvent.TakenOver(name, key, clock.currentTimeMillis(), a.previousOwner()));
                }
            }
        }

        void endWait() {
            if (waited && events.hasListeners()) {
                events.publish(new IdempotencyEvent.Waited(name, key, clock.currentTimeMillis(),
                        Duration.ofNanos(clock.nanoTime() - started)));
            }
        }

        /**
         * The pause before polling again: the current backoff step with jitter, cut short at the holder's
         * lease end (to take over promptly) and at this call's deadline. Throws at the deadline.
         */
        long nextPause(InProgress p) {
            long left = maxWaitNanos - (clock.nanoTime() - started);
            if (left <= 0) {
                if (events.hasListeners()) {
                    events.publish(new IdempotencyEvent.WaitTimedOut(name, key, clock.currentTimeMillis(), p.owner()));
                }
                throw new IdempotencyInProgressException(name, key, p.owner(), p.expiresAtMillis());
            }
            waited = true;
            long step = pause - ThreadLocalRandom.current().nextLong(pause / 2 + 1);
            pause = Math.min(pause * 2, maxPollNanos);
            long untilLeaseEnd = TimeUnit.MILLISECONDS.toNanos(p.expiresAtMillis() - clock.currentTimeMillis() + 1);
            return Math.max(MIN_PAUSE_NANOS, Math.min(step, Math.min(left, untilLeaseEnd)));
        }
    }

    /** The asynchronous variant of {@link #execute}: each poll is a task on the executor. */
    private final class AsyncCall<T> {
        private final Waiter w;
        private final Supplier<? extends CompletionStage<T>> action;
        private final CompletableFuture<T> result;

        AsyncCall(Waiter w, Supplier<? extends CompletionStage<T>> action, CompletableFuture<T> result) {
            this.w = w;
            this.action = action;
            this.result = result;
        }

        void attempt() {
            if (result.isDone()) {
                return; // cancelled by the caller while waiting
            }
            try {
                CompletableFuture<Void> change = store.onChange(w.key);
                BeginResult begun = w.begin();
                switch (begun) {
                    case Acquired a -> {
                        w.acquired(a);
                        run();
                    }
                    case Completed c -> {
                        w.endWait();
                        result.complete(replay(w.key, c.outcome()));
                    }
                    case InProgress p -> pollAgain(change, w.nextPause(p));
                }
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }

        private void pollAgain(CompletableFuture<Void> change, long pauseNanos) {
            AtomicBoolean fired = new AtomicBoolean();
            Runnable next = () -> {
                if (fired.compareAndSet(false, true)) {
                    attempt();
                }
            };
            CompletableFuture.delayedExecutor(pauseNanos, TimeUnit.NANOSECONDS, executor).execute(next);
            if (change != null) {
                change.thenRunAsync(next, executor);
            }
        }

        private void run() {
            CompletionStage<T> stage;
            try {
                stage = action.get();
                if (stage == null) {
                    throw new NullPointerException("idempotency " + name + ": the action returned no CompletionStage");
                }
            } catch (Throwable e) {
                finish(null, e);
                return;
            }
            // Recording is blocking I/O: never on the thread that completed the stage (an event loop, say).
            stage.whenComplete((v, e) -> submit(() -> finish(v, unwrap(e))));
        }

        private void finish(T value, Throwable error) {
            try {
                if (error == null) {
                    recordSuccess(w.key, w.owner, value);
                    result.complete(value);
                } else {
                    recordFailure(w.key, w.owner, error);
                    result.completeExceptionally(error);
                }
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }
    }

    // ---- running and recording ----

    private <T> T run(String key, String owner, Callable<T> action) throws Exception {
        T value;
        try {
            value = action.call();
        } catch (Exception | Error e) {
            recordFailure(key, owner, e);
            throw e;
        }
        recordSuccess(key, owner, value);
        return value;
    }

    private void recordSuccess(String key, String owner, Object value) {
        boolean recorded;
        try {
            recorded = store.complete(key, owner, RecordedOutcome.value(value), retention);
        } catch (OutcomeCodecException e) {
            // A result the store cannot hold is a programming error: say so loudly rather than run twice silently.
            releaseQuietly(key, owner);
            throw e;
        } catch (RuntimeException e) {
            recordFailed(key, "the store failed", e);
            return;
        }
        afterComplete(key, recorded, false);
    }

    private void recordFailure(String key, String owner, Throwable error) {
        if (!recordable(error)) {
            releaseQuietly(key, owner);
            if (events.hasListeners()) {
                events.publish(new IdempotencyEvent.Released(name, key, clock.currentTimeMillis(), error));
            }
            return;
        }
        boolean recorded;
        try {
            recorded = store.complete(key, owner, RecordedOutcome.failure(error), retention);
        } catch (OutcomeCodecException e) {
            LOG.error("idempotency {}: cannot record error {} of key '{}'; key released", name, error, key, e);
            error.addSuppressed(e);
            releaseQuietly(key, owner);
            return;
        } catch (RuntimeException e) {
            recordFailed(key, "the store failed", e);
            return;
        }
        afterComplete(key, recorded, true);
    }

    private void afterComplete(String key, boolean recorded, boolean failed) {
        if (!recorded) {
            recordFailed(key, "the lease expired and another owner took the key over", null);
        } else if (events.hasListeners()) {
            events.publish(new IdempotencyEvent.Executed(name, key, clock.currentTimeMillis(), failed));
        }
    }

    private boolean recordable(Throwable error) {
        try {
            return config.recordFailure().test(error);
        } catch (RuntimeException e) {
            LOG.warn("idempotency {}: recordFailure predicate failed on {}; not recording", name, error, e);
            return false;
        }
    }

    private void releaseQuietly(String key, String owner) {
        try {
            if (!store.release(key, owner)) {
                LOG.debug("idempotency {}: key '{}' was no longer held by {} on release", name, key, owner);
            }
        } catch (RuntimeException e) {
            // The lease still ends by itself: retries wait for it instead of running at once.
            recordFailed(key, "the key could not be released", e);
        }
    }

    private void recordFailed(String key, String reason, Throwable error) {
        LOG.warn("idempotency {}: outcome of key '{}' not recorded: {}", name, key, reason, error);
        if (events.hasListeners()) {
            events.publish(new IdempotencyEvent.RecordFailed(name, key, clock.currentTimeMillis(), reason, error));
        }
    }

    /** Returns the recorded value, or throws the recorded error. */
    @SuppressWarnings("unchecked")
    private <T> T replay(String key, RecordedOutcome outcome) throws Exception {
        boolean failed = outcome instanceof RecordedOutcome.Failure;
        if (events.hasListeners()) {
            events.publish(new IdempotencyEvent.Replayed(name, key, clock.currentTimeMillis(), failed));
        }
        if (outcome instanceof RecordedOutcome.Value v) {
            return (T) v.value();
        }
        Throwable error = ((RecordedOutcome.Failure) outcome).error();
        if (error instanceof Exception e) {
            throw e;
        }
        if (error instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("recorded failure of key '" + key + "'", error);
    }

    private void submit(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            task.run(); // a shut-down executor must not leave a call hanging
        }
    }

    private static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    private static void checkKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("an idempotency key must be a non-empty string");
        }
    }
}
