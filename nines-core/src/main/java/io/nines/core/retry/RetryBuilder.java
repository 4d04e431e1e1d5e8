package io.nines.core.retry;

import io.nines.core.Clock;
import io.nines.core.InvalidConfigException;
import io.nines.core.retry.internal.RetryImpl;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * Builds a {@link Retry}. Every setter is optional; {@link #config()} validates and names the field at fault.
 * See {@link RetryConfig} for what each setting means.
 */
public final class RetryBuilder {

    private final String name;
    private int maxAttempts = 3;
    private Duration initialDelay = Duration.ofMillis(100);
    private double multiplier = 2.0;
    private Duration maxDelay = Duration.ofSeconds(2);
    private Duration perTryTimeout;
    private Predicate<Throwable> retryOnException = RetryClassifier.TRANSIENT;
    private Predicate<Object> retryOnResult = RetryConfig.NO_RESULT;
    private final List<Class<? extends Throwable>> abortOn = new ArrayList<>();
    private final List<Class<? extends Throwable>> businessErrors = new ArrayList<>();
    private final List<Class<? extends Throwable>> persistentErrors = new ArrayList<>();
    private int giveUpAfterSameError;
    private boolean retryUnsentNonIdempotent = true;
    private RetryBudget budget;
    private Clock clock = Clock.system();

    RetryBuilder(String name) {
        this.name = InvalidConfigException.required(RetryConfig.POLICY, "name", name);
    }

    /** Total attempts including the first (default 3); 1 disables retrying. */
    public RetryBuilder maxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
        return this;
    }

    /** Exponential backoff with full jitter (default 100 ms, x2, up to 2 s). */
    public RetryBuilder backoff(Duration initialDelay, double multiplier, Duration maxDelay) {
        this.initialDelay = initialDelay;
        this.multiplier = multiplier;
        this.maxDelay = maxDelay;
        return this;
    }

    public RetryBuilder initialDelay(Duration initialDelay) {
        this.initialDelay = initialDelay;
        return this;
    }

    public RetryBuilder multiplier(double multiplier) {
        this.multiplier = multiplier;
        return this;
    }

    public RetryBuilder maxDelay(Duration maxDelay) {
        this.maxDelay = maxDelay;
        return this;
    }

    /** Bounds each attempt; {@code null} for none (the default). */
    public RetryBuilder perTryTimeout(Duration perTryTimeout) {
        this.perTryTimeout = perTryTimeout;
        return this;
    }

    /**
     * Replaces the default {@link RetryClassifier#TRANSIENT} test of which errors to retry. The built-in refusals
     * still apply first. To extend the default: {@code RetryClassifier.TRANSIENT.or(e -> e instanceof MyException)}.
     */
    public RetryBuilder retryOnException(Predicate<Throwable> retryOnException) {
        this.retryOnException = retryOnException;
        return this;
    }

    /** Normal results worth another attempt (default none). Non-idempotent calls are still never retried. */
    public RetryBuilder retryOnResult(Predicate<Object> retryOnResult) {
        this.retryOnResult = retryOnResult;
        return this;
    }

    /** Errors (and their subclasses) that are never retried; adds to earlier calls. */
    @SafeVarargs
    public final RetryBuilder abortOn(Class<? extends Throwable>... errors) {
        abortOn.addAll(Arrays.asList(errors));
        return this;
    }

    /** Errors (and their subclasses) treated as {@link BusinessError}s; adds to earlier calls. */
    @SafeVarargs
    public final RetryBuilder businessErrors(Class<? extends Throwable>... errors) {
        businessErrors.addAll(Arrays.asList(errors));
        return this;
    }

    /** Errors (and their subclasses) treated as {@link PersistentError}s; adds to earlier calls. */
    @SafeVarargs
    public final RetryBuilder persistentErrors(Class<? extends Throwable>... errors) {
        persistentErrors.addAll(Arrays.asList(errors));
        return this;
    }

    /**
     * Stops retrying an error once {@code n >= 2} consecutive failures of its class were seen by this policy;
     * 0 turns it off (the default). See {@link RetryConfig}.
     */
    public RetryBuilder giveUpAfterSameError(int n) {
        this.giveUpAfterSameError = n;
        return this;
    }

    /** See {@link RetryConfig#retryUnsentNonIdempotent()} (default true). */
    public RetryBuilder retryUnsentNonIdempotent(boolean allowed) {
        this.retryUnsentNonIdempotent = allowed;
        return this;
    }

    /**
     * The budget every retry is drawn from, usually shared by all policies calling one target. Without it the
     * policy gets its own budget with {@link RetryBudgetConfig#DEFAULT} settings.
     */
    public RetryBuilder budget(RetryBudget budget) {
        this.budget = budget;
        return this;
    }

    public RetryBuilder clock(Clock clock) {
        this.clock = clock;
        return this;
    }

    /** The validated configuration. */
    public RetryConfig config() {
        return new RetryConfig(maxAttempts, initialDelay, multiplier, maxDelay, perTryTimeout, retryOnException,
                retryOnResult, abortOn, businessErrors, persistentErrors, giveUpAfterSameError,
                retryUnsentNonIdempotent);
    }

    public Retry build() {
        RetryConfig config = config();
        Clock c = InvalidConfigException.required(RetryConfig.POLICY, "clock", clock);
        RetryBudget b = budget != null ? budget : RetryBudget.of(RetryBudgetConfig.DEFAULT, c);
        return new RetryImpl(name, config, b, c);
    }
}
