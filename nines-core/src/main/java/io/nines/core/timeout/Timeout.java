package io.nines.core.timeout;

import io.nines.core.InvalidConfigException;
import io.nines.core.TimeoutExceededException;
import io.nines.core.internal.Deadlines;
import io.nines.core.internal.TimeoutScheduler;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * Bounds how long one attempt may take. A synchronous attempt runs on the calling thread and is
 * interrupted at the deadline (so blocking I/O that honours interrupts stops); if it still returns
 * late, its result is discarded and {@link TimeoutExceededException} is thrown, because the caller
 * already gave up on it. An asynchronous attempt's stage is completed exceptionally at the deadline.
 *
 * <p>Deadlines are scheduled on a {@link ScheduledExecutorService}: pass a shared one when there are
 * many timeouts (the proxy does); otherwise each Timeout starts one daemon thread on first use.
 */
public final class Timeout {

    private final String name;
    private final TimeoutConfig config;
    private final long timeoutNanos;
    private final TimeoutScheduler scheduler;

    private Timeout(String name, TimeoutConfig config, ScheduledExecutorService scheduler) {
        this.name = name;
        this.config = config;
        this.timeoutNanos = config.timeout().toNanos();
        this.scheduler = new TimeoutScheduler(name, scheduler);
    }

    /** Config of a timeout: how long, and whether a late synchronous attempt is interrupted. */
    public record TimeoutConfig(Duration timeout, boolean interrupt) {
        public TimeoutConfig {
            InvalidConfigException.positive("timeout", "timeout", timeout);
        }
    }

    public static Timeout of(String name, Duration timeout) {
        return new Timeout(name, new TimeoutConfig(timeout, true), null);
    }

    public static Timeout of(String name, TimeoutConfig config, ScheduledExecutorService scheduler) {
        return new Timeout(name, config, scheduler);
    }

    public String name() {
        return name;
    }

    public TimeoutConfig config() {
        return config;
    }

    /** Runs {@code action} on this thread within this timeout. */
    public <T> T call(Callable<T> action) throws Exception {
        return call(action, timeoutNanos);
    }

    /** Runs {@code action} on this thread within {@code nanos} (used for a retry's per-try timeout). */
    public <T> T call(Callable<T> action, long nanos) throws Exception {
        return Deadlines.callWithin(name, scheduler, config.interrupt(), action, nanos);
    }

    public <T> CompletionStage<T> callAsync(Supplier<? extends CompletionStage<T>> action) {
        return callAsync(action, timeoutNanos);
    }

    public <T> CompletionStage<T> callAsync(Supplier<? extends CompletionStage<T>> action, long nanos) {
        return Deadlines.callAsyncWithin(name, scheduler, action, nanos);
    }
}
