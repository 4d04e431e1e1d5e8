package io.nines.core.retry.internal;

import io.nines.core.CallContext;
import io.nines.core.Clock;
import io.nines.core.event.EventPublisher;
import io.nines.core.retry.NonRetryableReason;
import io.nines.core.retry.Retry;
import io.nines.core.retry.RetryBudget;
import io.nines.core.retry.RetryClassifier;
import io.nines.core.retry.RetryConfig;
import io.nines.core.retry.RetryEvent;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/** The {@link Retry} policy. Stateless per call; the only shared state is the budget and the same-error run. */
public final class RetryImpl implements Retry {

    private final String name;
    private final RetryConfig config;
    private final RetryBudget budget;
    private final Clock clock;
    private final RetryClassifier classifier;
    private final EventPublisher<RetryEvent> events = new EventPublisher<>();

    private final int maxAttempts;
    private final long initialNanos;
    private final double multiplier;
    private final long maxNanos;
    private final long perTryTimeoutNanos;
    private final Predicate<Object> retryOnResult;
    private final int sameErrorLimit;

    /** Class of the last failure and how many failures of it came in a row (only with giveUpAfterSameError). */
    private volatile Class<?> lastErrorClass;
    private final AtomicInteger sameErrorRun = new AtomicInteger();

    public RetryImpl(String name, RetryConfig config, RetryBudget budget, Clock clock) {
        this.name = name;
        this.config = config;
        this.budget = budget;
        this.clock = clock;
        this.classifier = RetryClassifier.of(config);
        this.maxAttempts = config.maxAttempts();
        this.initialNanos = config.initialDelay().toNanos();
        this.multiplier = config.multiplier();
        this.maxNanos = config.maxDelay().toNanos();
        this.perTryTimeoutNanos = config.perTryTimeout().map(Duration::toNanos).orElse(0L);
        this.retryOnResult = config.retryOnResult();
        this.sameErrorLimit = config.giveUpAfterSameError();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void onRequest() {
        budget.recordRequest();
    }

    @Override
    public long nextDelayNanos(CallContext context, int attempt, Object result, Throwable error) {
        NonRetryableReason reason;
        if (error == null) {
            if (!retryOnResult.test(result)) {
                succeeded(attempt);
                return -1;
            }
            reason = classifier.classifyResult(context);
        } else {
            int run = sameErrorLimit > 0 ? countFailure(error) : 0;
            reason = classifier.classify(context, error);
            if (reason == null && sameErrorLimit > 0 && run >= sameErrorLimit) {
                reason = NonRetryableReason.SAME_ERROR_REPEATED;
            }
        }
        if (reason != null) {
            if (events.hasListeners()) {
                events.publish(new RetryEvent.NotRetryable(name, clock.currentTimeMillis(), attempt, reason, error));
            }
            return -1;
        }
        if (attempt >= maxAttempts) {
            if (events.hasListeners()) {
                events.publish(new RetryEvent.Exhausted(name, clock.currentTimeMillis(), attempt, error));
            }
            return -1;
        }
        if (!budget.tryWithdraw()) {
            if (events.hasListeners()) {
                events.publish(new RetryEvent.BudgetExhausted(name, clock.currentTimeMillis(), attempt, error));
            }
            return -1;
        }
        long delay = delayNanos(attempt);
        if (events.hasListeners()) {
            events.publish(new RetryEvent.Retrying(name, clock.currentTimeMillis(), attempt, Duration.ofNanos(delay),
                    error));
        }
        return delay;
    }

    private void succeeded(int attempt) {
        // Read before writing: on the steady success path the run is already 0 and the shared line stays clean.
        if (sameErrorLimit > 0 && sameErrorRun.get() != 0) {
            sameErrorRun.set(0);
        }
        if (attempt > 1 && events.hasListeners()) {
            events.publish(new RetryEvent.SucceededAfterRetry(name, clock.currentTimeMillis(), attempt));
        }
    }

    /** Length of the run of consecutive failures of {@code error}'s class, this one included (approximate under races). */
    private int countFailure(Throwable error) {
        Class<?> c = RetryClassifier.peel(error).getClass();
        if (lastErrorClass == c) {
            return sameErrorRun.incrementAndGet();
        }
        lastErrorClass = c;
        sameErrorRun.set(1);
        return 1;
    }

    /** Full jitter: uniform in [0, min(maxDelay, initialDelay * multiplier^(attempt-1))]. */
    long delayNanos(int attempt) {
        long cap = capNanos(attempt);
        return cap <= 0 ? 0 : ThreadLocalRandom.current().nextLong(cap + 1);
    }

    long capNanos(int attempt) {
        double bound = initialNanos * Math.pow(multiplier, Math.max(0, attempt - 1));
        return bound >= maxNanos ? maxNanos : (long) bound;
    }

    @Override
    public long perTryTimeoutNanos() {
        return perTryTimeoutNanos;
    }

    @Override
    public RetryConfig config() {
        return config;
    }

    @Override
    public RetryBudget budget() {
        return budget;
    }

    @Override
    public EventPublisher<RetryEvent> events() {
        return events;
    }

    @Override
    public String toString() {
        return "Retry[" + name + ", " + config + ", " + budget + "]";
    }
}
