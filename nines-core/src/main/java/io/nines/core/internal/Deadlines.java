package io.nines.core.internal;

import io.nines.core.TimeoutExceededException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Runs an attempt against a deadline: used by the Timeout policy and by a retry's per-try timeout. */
public final class Deadlines {

    private Deadlines() {}

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
