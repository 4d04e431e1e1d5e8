package io.nines.core.retry;

import io.nines.core.InvalidConfigException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The validated, immutable settings of a {@link Retry}. Built by {@link RetryBuilder#config()}.
 *
 * <h2>What is retried</h2>
 * After each failed attempt the error is classified by {@link RetryClassifier}. The built-in refusals run
 * first and cannot be overridden by the predicates: fatal {@link Error}s, cancellation, non-idempotent calls
 * without an idempotency key, business errors, overload/fencing refusals, persistent errors, and the
 * {@link #abortOn()} classes. Only then does {@link #retryOnException()} decide; its default,
 * {@link RetryClassifier#TRANSIENT}, accepts only known transient failures (I/O errors, timeouts, transient
 * SQL errors, {@link TransientError}) and declines any other exception, because an unexpected error is a
 * bug or a business case, not something a second attempt fixes (seed 000: retry only expected, temporary errors).
 *
 * <h2>Backoff</h2>
 * Exponential with full jitter: the delay after attempt {@code n} is uniform in
 * {@code [0, min(maxDelay, initialDelay * multiplier^(n-1))]}.
 *
 * <h2>Same error repeating</h2>
 * With {@link #giveUpAfterSameError()} {@code = n > 0}, once this policy has seen {@code n} consecutive
 * failures of the same exception class (over all its requests; a success or another error resets the run),
 * it stops retrying that error: a failure that keeps coming back is long-lasting, not temporary.
 * Under concurrency the run length is approximate.
 */
public final class RetryConfig {

    static final String POLICY = "retry";

    /** Retries no result: the default of {@link #retryOnResult()}. */
    public static final Predicate<Object> NO_RESULT = r -> false;

    private static final Duration MAX_DELAY_LIMIT = Duration.ofDays(1);

    private final int maxAttempts;
    private final Duration initialDelay;
    private final double multiplier;
    private final Duration maxDelay;
    private final Duration perTryTimeout;
    private final Predicate<Throwable> retryOnException;
    private final Predicate<Object> retryOnResult;
    private final List<Class<? extends Throwable>> abortOn;
    private final List<Class<? extends Throwable>> businessErrors;
    private final List<Class<? extends Throwable>> persistentErrors;
    private final int giveUpAfterSameError;
    private final boolean retryUnsentNonIdempotent;

    RetryConfig(int maxAttempts, Duration initialDelay, double multiplier, Duration maxDelay,
                Duration perTryTimeout, Predicate<Throwable> retryOnException, Predicate<Object> retryOnResult,
                List<Class<? extends Throwable>> abortOn, List<Class<? extends Throwable>> businessErrors,
                List<Class<? extends Throwable>> persistentErrors, int giveUpAfterSameError,
                boolean retryUnsentNonIdempotent) {
        this.maxAttempts = InvalidConfigException.positive(POLICY, "maxAttempts", maxAttempts);
        this.initialDelay = InvalidConfigException.nonNegative(POLICY, "initialDelay", initialDelay);
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new InvalidConfigException(POLICY, "multiplier", "must be a finite number >= 1.0, was " + multiplier);
        }
        this.multiplier = multiplier;
        this.maxDelay = InvalidConfigException.nonNegative(POLICY, "maxDelay", maxDelay);
        if (maxDelay.compareTo(initialDelay) < 0) {
            throw new InvalidConfigException(POLICY, "maxDelay",
                    "must be >= initialDelay (" + initialDelay + "), was " + maxDelay);
        }
        if (maxDelay.compareTo(MAX_DELAY_LIMIT) > 0) {
            throw new InvalidConfigException(POLICY, "maxDelay", "must be <= " + MAX_DELAY_LIMIT + ", was " + maxDelay);
        }
        if (perTryTimeout != null) {
            InvalidConfigException.positive(POLICY, "perTryTimeout", perTryTimeout);
            if (perTryTimeout.compareTo(MAX_DELAY_LIMIT) > 0) {
                throw new InvalidConfigException(POLICY, "perTryTimeout",
                        "must be <= " + MAX_DELAY_LIMIT + ", was " + perTryTimeout);
            }
        }
        this.perTryTimeout = perTryTimeout;
        this.retryOnException = InvalidConfigException.required(POLICY, "retryOnException", retryOnException);
        this.retryOnResult = InvalidConfigException.required(POLICY, "retryOnResult", retryOnResult);
        this.abortOn = classes("abortOn", abortOn);
        this.businessErrors = classes("businessErrors", businessErrors);
        this.persistentErrors = classes("persistentErrors", persistentErrors);
        if (giveUpAfterSameError < 0 || giveUpAfterSameError == 1) {
            throw new InvalidConfigException(POLICY, "giveUpAfterSameError",
                    "must be 0 (off) or >= 2, was " + giveUpAfterSameError);
        }
        this.giveUpAfterSameError = giveUpAfterSameError;
        this.retryUnsentNonIdempotent = retryUnsentNonIdempotent;
    }

    private static List<Class<? extends Throwable>> classes(String field, List<Class<? extends Throwable>> list) {
        InvalidConfigException.required(POLICY, field, list);
        for (Class<? extends Throwable> c : list) {
            if (c == null) {
                throw new InvalidConfigException(POLICY, field, "must not contain null");
            }
        }
        return List.copyOf(list);
    }

    /** The defaults: 3 attempts, backoff 100 ms x2 up to 2 s, no per-try timeout, transient errors only. */
    public static RetryConfig defaults() {
        return new RetryBuilder("defaults").config();
    }

    /** Total attempts including the first; 1 means no retry. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** Upper bound of the first retry's delay. */
    public Duration initialDelay() {
        return initialDelay;
    }

    /** Growth of the delay bound per attempt (>= 1). */
    public double multiplier() {
        return multiplier;
    }

    /** Cap of the delay bound. */
    public Duration maxDelay() {
        return maxDelay;
    }

    /** Timeout of each attempt, if attempts are individually bounded. */
    public Optional<Duration> perTryTimeout() {
        return Optional.ofNullable(perTryTimeout);
    }

    /**
     * Which errors are worth another attempt, once the built-in refusals have passed. It receives the error
     * with wrappers ({@code CompletionException}, {@code ExecutionException}, {@code UncheckedIOException},
     * reflection wrappers) peeled off.
     */
    public Predicate<Throwable> retryOnException() {
        return retryOnException;
    }

    /** Which normal results are worth another attempt (e.g. an HTTP 503 response); {@link #NO_RESULT} by default. */
    public Predicate<Object> retryOnResult() {
        return retryOnResult;
    }

    /** Errors never retried, reported as {@link NonRetryableReason#ABORTED}. */
    public List<Class<? extends Throwable>> abortOn() {
        return abortOn;
    }

    /** Classes treated as {@link BusinessError}s. */
    public List<Class<? extends Throwable>> businessErrors() {
        return businessErrors;
    }

    /** Classes treated as {@link PersistentError}s. */
    public List<Class<? extends Throwable>> persistentErrors() {
        return persistentErrors;
    }

    /** Consecutive same-class failures after which retrying stops; 0 when off. */
    public int giveUpAfterSameError() {
        return giveUpAfterSameError;
    }

    /**
     * Whether a non-idempotent call may be retried after an error proving the request never left
     * (connect refused, unknown host, no route, connect timeout, no healthy endpoint). True by default:
     * nothing ran, so nothing can run twice (the same reasoning as gRPC's transparent retries).
     */
    public boolean retryUnsentNonIdempotent() {
        return retryUnsentNonIdempotent;
    }

    @Override
    public String toString() {
        return "RetryConfig[maxAttempts=" + maxAttempts + ", initialDelay=" + initialDelay + ", multiplier="
                + multiplier + ", maxDelay=" + maxDelay + ", perTryTimeout=" + perTryTimeout + ", abortOn=" + abortOn
                + ", businessErrors=" + businessErrors + ", persistentErrors=" + persistentErrors
                + ", giveUpAfterSameError=" + giveUpAfterSameError
                + ", retryUnsentNonIdempotent=" + retryUnsentNonIdempotent + "]";
    }
}
