package io.nines.core.idempotency;

import io.nines.core.retry.BusinessError;
import io.nines.core.IdempotencyInProgressException;
import static io.nines.core.InvalidConfigException.nonNegative;
import static io.nines.core.InvalidConfigException.positive;
import static io.nines.core.InvalidConfigException.required;

import io.nines.core.Clock;
import io.nines.core.InvalidConfigException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Predicate;

/** Fluent builder of an {@link Idempotency}; {@link #config()} and {@link #build()} validate every field. */
public final class IdempotencyBuilder {

    static final String POLICY = "idempotency";

    private final String name;
    private IdempotencyStore store;
    private Duration inProgressTtl = Duration.ofSeconds(30);
    private Duration retention = Duration.ofHours(24);
    private Duration pollInterval = Duration.ofMillis(20);
    private Duration maxPollInterval = Duration.ofMillis(500);
    private Duration maxWait = Duration.ofSeconds(35);
    private Predicate<? super Throwable> recordFailure = e -> e instanceof BusinessError;
    private Executor asyncExecutor;
    private Clock clock = Clock.system();

    IdempotencyBuilder(String name) {
        this.name = name;
    }

    public IdempotencyBuilder from(IdempotencyConfig config) {
        store = config.store();
        inProgressTtl = config.inProgressTtl();
        retention = config.retention();
        pollInterval = config.pollInterval();
        maxPollInterval = config.maxPollInterval();
        maxWait = config.maxWait();
        recordFailure = config.recordFailure();
        asyncExecutor = config.asyncExecutor();
        return this;
    }

    /** Where leases and outcomes are recorded. Required. */
    public IdempotencyBuilder store(IdempotencyStore store) {
        this.store = store;
        return this;
    }

    /** Lease of a running execution; a crashed holder's key is taken over after it. Default 30 s. */
    public IdempotencyBuilder inProgressTtl(Duration ttl) {
        this.inProgressTtl = ttl;
        return this;
    }

    /** How long outcomes are kept and replayed. Default 24 h. */
    public IdempotencyBuilder retention(Duration retention) {
        this.retention = retention;
        return this;
    }

    /** First pause of a waiting duplicate between polls of the store. Default 20 ms. */
    public IdempotencyBuilder pollInterval(Duration interval) {
        this.pollInterval = interval;
        return this;
    }

    /** Longest pause between polls (the pause doubles up to it). Default 500 ms. */
    public IdempotencyBuilder maxPollInterval(Duration interval) {
        this.maxPollInterval = interval;
        return this;
    }

    /**
     * How long a duplicate waits for the execution in progress before {@link IdempotencyInProgressException};
     * zero to fail at once. Default 35 s, a little over the default lease so that a crashed holder is
     * taken over by a waiter rather than reported.
     */
    public IdempotencyBuilder maxWait(Duration maxWait) {
        this.maxWait = maxWait;
        return this;
    }

    /**
     * Errors recorded and replayed instead of released. Default: {@link BusinessError}s (insufficient funds
     * is a final answer, and a duplicate must get the same one); every other failure releases the key so a
     * retry may run again.
     */
    public IdempotencyBuilder recordFailuresIf(Predicate<? super Throwable> predicate) {
        this.recordFailure = predicate;
        return this;
    }

    /** Records and replays errors of these types (and their subclasses); shorthand for {@link #recordFailuresIf}. */
    @SafeVarargs
    @SuppressWarnings("varargs") // the array is only read, copied into an immutable list
    public final IdempotencyBuilder recordFailures(Class<? extends Throwable>... types) {
        List<Class<? extends Throwable>> list = List.of(types);
        this.recordFailure = e -> list.stream().anyMatch(t -> t.isInstance(e));
        return this;
    }

    /** Runs the store calls and waits of {@code executeAsync}. Default: a new virtual thread per task. */
    public IdempotencyBuilder asyncExecutor(Executor executor) {
        this.asyncExecutor = executor;
        return this;
    }

    public IdempotencyBuilder clock(Clock clock) {
        this.clock = clock;
        return this;
    }

    public IdempotencyConfig config() {
        required(POLICY, "name", name);
        required(POLICY, "store", store);
        positive(POLICY, "inProgressTtl", inProgressTtl);
        positive(POLICY, "retention", retention);
        positive(POLICY, "pollInterval", pollInterval);
        positive(POLICY, "maxPollInterval", maxPollInterval);
        if (maxPollInterval.compareTo(pollInterval) < 0) {
            throw new InvalidConfigException(POLICY, "maxPollInterval",
                    "must be >= pollInterval (" + pollInterval + "), was " + maxPollInterval);
        }
        nonNegative(POLICY, "maxWait", maxWait);
        required(POLICY, "recordFailure", recordFailure);
        return new IdempotencyConfig(store, inProgressTtl, retention, pollInterval, maxPollInterval, maxWait,
                recordFailure, asyncExecutor);
    }

    public Idempotency build() {
        IdempotencyConfig config = config();
        return Idempotency.of(name, config, required(POLICY, "clock", clock));
    }
}
