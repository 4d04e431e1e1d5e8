package io.nines.core.timeout;

import io.nines.core.InvalidConfigException;
import io.nines.core.TimeoutExceededException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
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
        return callWithin(name, scheduler, config.interrupt(), action, nanos);
    }

    public <T> CompletionStage<T> callAsync(Supplier<? extends CompletionStage<T>> action) {
        return callAsync(action, timeoutNanos);
    }

    public <T> CompletionStage<T> callAsync(Supplier<? extends CompletionStage<T>> action, long nanos) {
        return callAsyncWithin(name, scheduler, action, nanos);
    }

    /** Shared by {@link Timeout} and a retry's per-try timeout when no Timeout policy is configured. */
    public static <T> T callWithin(String name, TimeoutScheduler scheduler, boolean interrupt, Callable<T> action,
                                   long nanos) throws Exception {
        Thread caller = Thread.currentThread();
        Deadline deadline = new Deadline(interrupt ? caller : null);
        ScheduledFuture<?> timer = scheduler.get().schedule(deadline, nanos, TimeUnit.NANOSECONDS);
        T result;
        try {
            result = action.call();
        } catch (InterruptedException e) {
            if (deadline.finish()) {
                throw e; // interrupted by someone else
            }
            throw timedOut(name, nanos);
        } catch (Throwable t) {
            if (!deadline.finish()) {
                Thread.interrupted(); // our interrupt may still be pending: clear it
                throw timedOut(name, nanos);
            }
            throw t;
        } finally {
            timer.cancel(false);
        }
        if (!deadline.finish()) {
            Thread.interrupted();
            throw timedOut(name, nanos);
        }
        return result;
    }

    public static <T> CompletionStage<T> callAsyncWithin(String name, TimeoutScheduler scheduler,
                                                          Supplier<? extends CompletionStage<T>> action, long nanos) {
        CompletableFuture<T> out = new CompletableFuture<>();
        ScheduledFuture<?> timer = scheduler.get().schedule(
                () -> out.completeExceptionally(timedOut(name, nanos)), nanos, TimeUnit.NANOSECONDS);
        CompletionStage<T> stage;
        try {
            stage = action.get();
        } catch (Throwable t) {
            timer.cancel(false);
            out.completeExceptionally(t);
            return out;
        }
        stage.whenComplete((r, e) -> {
            timer.cancel(false);
            if (e != null) {
                out.completeExceptionally(e);
            } else {
                out.complete(r);
            }
        });
        return out;
    }

    private static TimeoutExceededException timedOut(String name, long nanos) {
        return new TimeoutExceededException(name, "timed out after " + Duration.ofNanos(nanos).toMillis() + " ms");
    }

    /**
     * Races the attempt's end against the timer: whoever flips the state first wins, so an attempt
     * that returned just in time is never interrupted afterwards.
     */
    private static final class Deadline extends java.util.concurrent.atomic.AtomicInteger implements Runnable {
        private static final int RUNNING = 0, DONE = 1, EXPIRED = 2;
        private final Thread toInterrupt;

        Deadline(Thread toInterrupt) {
            this.toInterrupt = toInterrupt;
        }

        @Override
        public void run() {
            if (compareAndSet(RUNNING, EXPIRED) && toInterrupt != null) {
                toInterrupt.interrupt();
            }
        }

        /** True when the attempt finished before the deadline. */
        boolean finish() {
            return compareAndSet(RUNNING, DONE) || get() == DONE;
        }
    }
}
