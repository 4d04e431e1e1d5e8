package io.nines.core;

import io.nines.core.bulkhead.Bulkhead;
import io.nines.core.circuitbreaker.CircuitBreaker;
import io.nines.core.concurrencylimit.ConcurrencyLimit;
import io.nines.core.degrade.DegradeSwitch;
import io.nines.core.fallback.Fallback;
import io.nines.core.idempotency.Idempotency;
import io.nines.core.internal.Sneaky;
import io.nines.core.ratelimiter.RateLimiter;
import io.nines.core.retry.Retry;
import io.nines.core.spi.CallGate;
import io.nines.core.spi.CallObserver;
import io.nines.core.timeout.Timeout;
import io.nines.core.internal.Deadlines;
import io.nines.core.internal.TimeoutScheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs calls through policies in the one order of the design:
 *
 * <pre>
 * Fallback ← DegradeSwitch ← outer gates (IslandGuard) ← Idempotency ← Retry
 *          ← gates (CircuitBreaker ← RateLimiter ← Bulkhead / ConcurrencyLimit) ← Timeout ← call
 * </pre>
 *
 * Every slot is optional. The builder places the policies it knows in that order whatever order
 * they are given in; custom {@link CallGate}s run after them, closest to the call, in the order
 * added. A pipeline is immutable and thread-safe; the success path of {@link #call} allocates
 * nothing of its own.
 */
public final class Pipeline {

    private static final CallGate[] NO_GATES = new CallGate[0];

    private final String name;
    private final CallObserver observer;
    private final DegradeSwitch degradeSwitch;
    private final CallGate[] outerGates;
    private final Idempotency idempotency;
    private final Retry retry;
    private final CallGate[] gates;
    /** Whether any gate uses attempt durations; if none does, an attempt costs one clock read, not two. */
    private final boolean timeAttempts;
    private final Timeout timeout;
    private final long timeoutPolicyNanos;
    private final TimeoutScheduler perTryScheduler;
    private final Clock clock;
    private final Executor asyncExecutor;

    Pipeline(PipelineBuilder b) {
        this.name = b.name;
        this.observer = b.observer;
        this.degradeSwitch = b.degradeSwitch;
        this.outerGates = b.outerGates.toArray(NO_GATES);
        this.idempotency = b.idempotency;
        this.retry = b.retry;
        this.gates = b.orderedGates().toArray(NO_GATES);
        boolean anyMeasures = false;
        for (CallGate g : gates) {
            anyMeasures |= g.measuresDuration();
        }
        this.timeAttempts = anyMeasures;
        this.timeout = b.timeout;
        this.timeoutPolicyNanos = b.timeout == null ? 0 : b.timeout.config().timeout().toNanos();
        this.perTryScheduler = new TimeoutScheduler(b.name, b.scheduler);
        this.clock = b.agreedClock();
        this.asyncExecutor = b.asyncExecutor;
    }

    public static PipelineBuilder builder(String name) {
        return new PipelineBuilder(name);
    }

    public String name() {
        return name;
    }

    /** The per-attempt gates, in the order they are acquired. */
    public List<CallGate> gates() {
        return List.of(gates);
    }

    // ---------------------------------------------------------------- synchronous

    /** Runs {@code action} with no caller and no idempotency key. */
    public <T> T call(Callable<T> action) throws Exception {
        return call(CallContext.DEFAULT, action);
    }

    /** Like {@link #call(Callable)} for actions that throw no checked exception. */
    public <T> T get(Supplier<T> action) {
        return get(CallContext.DEFAULT, action);
    }

    /** Like {@link #call(CallContext, Callable)} for actions that throw no checked exception. */
    public <T> T get(CallContext context, Supplier<T> action) {
        try {
            return run(context, action); // the Supplier itself travels: no adapter is allocated per call
        } catch (Exception e) {
            throw Sneaky.rethrow(e);
        }
    }

    public void run(Runnable action) {
        get(() -> {
            action.run();
            return null;
        });
    }

    /**
     * Runs {@code action} under every policy of this pipeline. Failures of the action surface
     * unchanged; refusals surface as a {@link RefusedException} subclass.
     */
    public <T> T call(CallContext context, Callable<T> action) throws Exception {
        return run(context, action);
    }

    /** {@code action} is a {@link Callable} or a {@link Supplier} (see {@link #invoke}). */
    private <T> T run(CallContext context, Object action) throws Exception {
        Objects.requireNonNull(context, "context");
        if (observer == null) {
            return guarded(context, action);
        }
        long start = clock.nanoTime();
        T result = null;
        Throwable error = null;
        try {
            result = guarded(context, action);
            return result;
        } catch (Throwable t) {
            error = t;
            throw t;
        } finally {
            observer.onCall(context, clock.nanoTime() - start, result, error);
        }
    }

    private <T> T guarded(CallContext context, Object action) throws Exception {
        if (degradeSwitch != null && degradeSwitch.isDegraded()) {
            throw new DegradedException(degradeSwitch.name(), "switch '" + degradeSwitch.name()
                    + "' is degraded: " + degradeSwitch.reason());
        }
        if (outerGates.length == 0) {
            return deduplicated(context, action);
        }
        long start = clock.nanoTime();
        int acquired = acquire(outerGates, context, start);
        T result = null;
        Throwable error = null;
        try {
            result = deduplicated(context, action);
            return result;
        } catch (Throwable t) {
            error = t;
            throw t;
        } finally {
            long end = clock.nanoTime();
            complete(outerGates, acquired, context, end, end - start, result, error);
        }
    }

    /** Runs {@code action}; when it fails in a way {@code fallback} handles, answers the fallback instead. */
    public <T> T call(CallContext context, Callable<T> action, Fallback<T> fallback) throws Exception {
        try {
            return call(context, action);
        } catch (Exception e) {
            if (fallback.handles(e)) {
                return fallback.apply(e);
            }
            throw e;
        }
    }

    private <T> T deduplicated(CallContext context, Object action) throws Exception {
        String key = context.idempotencyKey();
        if (idempotency != null && key != null) {
            return idempotency.execute(key, () -> retried(context, action));
        }
        return retried(context, action);
    }

    private <T> T retried(CallContext context, Object action) throws Exception {
        long now = clock.nanoTime();
        if (retry == null) {
            return attempt(context, action, 0, now);
        }
        retry.onRequest(now);
        long perTry = retry.perTryTimeoutNanos();
        for (int attempt = 1; ; attempt++) {
            T result = null;
            Throwable error = null;
            try {
                result = attempt(context, action, perTry, attempt == 1 ? now : clock.nanoTime());
            } catch (Throwable t) {
                error = t;
            }
            long delay = retry.nextDelayNanos(context, attempt, result, error);
            if (delay < 0) {
                if (error != null) {
                    throw Sneaky.rethrow(error);
                }
                return result;
            }
            if (delay > 0) {
                TimeUnit.NANOSECONDS.sleep(delay);
            }
        }
    }

    /**
     * One attempt: acquire the gates in order, run (under a timeout when one applies), report the
     * outcome to the gates in reverse order.
     *
     * @param perTryNanos a retry's per-try timeout, 0 for none
     * @param start       the clock's reading as the attempt starts
     */
    private <T> T attempt(CallContext context, Object action, long perTryNanos, long start) throws Exception {
        CallGate[] gates = this.gates;
        int acquired = gates.length == 0 ? 0 : acquire(gates, context, start);
        T result = null;
        Throwable error = null;
        try {
            long bound = timeoutNanos(perTryNanos);
            result = bound == 0 ? invoke(action)
                    : timeout != null ? timeout.call(() -> invoke(action), bound)
                    : Deadlines.callWithin(name, perTryScheduler, true, () -> invoke(action), bound);
            return result;
        } catch (Throwable t) {
            error = t;
            throw t;
        } finally {
            if (acquired > 0) {
                completeAttempt(acquired, context, start, result, error);
            }
        }
    }

    private void completeAttempt(int acquired, CallContext context, long start, Object result, Throwable error) {
        long end = timeAttempts ? clock.nanoTime() : start;
        complete(gates, acquired, context, end, end - start, result, error);
    }

    /** Runs the user's action, given as a {@link Callable} or a {@link Supplier}. */
    @SuppressWarnings("unchecked")
    private static <T> T invoke(Object action) throws Exception {
        return action instanceof Callable<?> c ? (T) c.call() : ((Supplier<T>) action).get();
    }

    /** The effective bound of one attempt: the tighter of the Timeout policy and the retry's per-try timeout. */
    private long timeoutNanos(long perTryNanos) {
        long policy = timeoutPolicyNanos;
        if (perTryNanos <= 0) {
            return policy;
        }
        return policy == 0 ? perTryNanos : Math.min(policy, perTryNanos);
    }

    /** Acquires all gates or none: on a refusal, the gates already passed are abandoned in reverse order. */
    private static int acquire(CallGate[] gates, CallContext context, long now) {
        int i = 0;
        try {
            for (; i < gates.length; i++) {
                gates[i].acquire(context, now);
            }
            return i;
        } catch (Throwable refused) {
            for (int j = i - 1; j >= 0; j--) {
                gates[j].abandon(context);
            }
            throw refused;
        }
    }

    private static void complete(CallGate[] gates, int acquired, CallContext context, long now, long nanos,
                                 Object result, Throwable error) {
        for (int j = acquired - 1; j >= 0; j--) {
            gates[j].onComplete(context, now, nanos, result, error);
        }
    }

    // ---------------------------------------------------------------- asynchronous

    /**
     * Runs an asynchronous action under every policy. Gates are acquired when the attempt starts and
     * told the outcome when its stage completes; retries are scheduled after their backoff, never
     * blocking a thread. Refusals complete the returned stage exceptionally.
     */
    public <T> CompletionStage<T> callAsync(CallContext context, Supplier<? extends CompletionStage<T>> action) {
        Objects.requireNonNull(context, "context");
        if (observer == null) {
            return guardedAsync(context, action);
        }
        long start = clock.nanoTime();
        return guardedAsync(context, action).whenComplete((r, e) ->
                observer.onCall(context, clock.nanoTime() - start, r, unwrap(e)));
    }

    private <T> CompletionStage<T> guardedAsync(CallContext context, Supplier<? extends CompletionStage<T>> action) {
        if (degradeSwitch != null && degradeSwitch.isDegraded()) {
            return CompletableFuture.failedFuture(new DegradedException(degradeSwitch.name(),
                    "switch '" + degradeSwitch.name() + "' is degraded: " + degradeSwitch.reason()));
        }
        if (outerGates.length == 0) {
            return deduplicatedAsync(context, action);
        }
        long start = clock.nanoTime();
        int acquired;
        try {
            acquired = acquire(outerGates, context, start);
        } catch (Throwable t) {
            return CompletableFuture.failedFuture(t);
        }
        return deduplicatedAsync(context, action).whenComplete((r, e) -> {
            long end = clock.nanoTime();
            complete(outerGates, acquired, context, end, end - start, r, unwrap(e));
        });
    }

    public <T> CompletionStage<T> callAsync(Supplier<? extends CompletionStage<T>> action) {
        return callAsync(CallContext.DEFAULT, action);
    }

    /** Async with a fallback for the failures it handles. */
    public <T> CompletionStage<T> callAsync(CallContext context, Supplier<? extends CompletionStage<T>> action,
                                            Fallback<T> fallback) {
        return callAsync(context, action).handle((r, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(r);
            }
            Throwable cause = unwrap(e);
            return fallback.handles(cause) ? CompletableFuture.completedFuture(fallback.apply(cause))
                    : CompletableFuture.<T>failedFuture(cause);
        }).thenCompose(s -> s);
    }

    private <T> CompletionStage<T> deduplicatedAsync(CallContext context,
                                                     Supplier<? extends CompletionStage<T>> action) {
        String key = context.idempotencyKey();
        if (idempotency != null && key != null) {
            return idempotency.executeAsync(key, () -> retriedAsync(context, action));
        }
        return retriedAsync(context, action);
    }

    private <T> CompletionStage<T> retriedAsync(CallContext context, Supplier<? extends CompletionStage<T>> action) {
        if (retry == null) {
            return attemptAsync(context, action, 0);
        }
        retry.onRequest(clock.nanoTime());
        CompletableFuture<T> out = new CompletableFuture<>();
        attemptAsyncLoop(context, action, 1, out);
        return out;
    }

    private <T> void attemptAsyncLoop(CallContext context, Supplier<? extends CompletionStage<T>> action,
                                      int attempt, CompletableFuture<T> out) {
        attemptAsync(context, action, retry.perTryTimeoutNanos()).whenComplete((r, e) -> {
            Throwable error = unwrap(e);
            long delay;
            try {
                delay = retry.nextDelayNanos(context, attempt, r, error);
            } catch (Throwable t) {
                out.completeExceptionally(t);
                return;
            }
            if (delay < 0) {
                if (error != null) {
                    out.completeExceptionally(error);
                } else {
                    out.complete(r);
                }
                return;
            }
            Executor next = delay == 0 ? asyncExecutor
                    : CompletableFuture.delayedExecutor(delay, TimeUnit.NANOSECONDS, asyncExecutor);
            next.execute(() -> attemptAsyncLoop(context, action, attempt + 1, out));
        });
    }

    private <T> CompletionStage<T> attemptAsync(CallContext context, Supplier<? extends CompletionStage<T>> action,
                                                long perTryNanos) {
        long start = clock.nanoTime();
        int acquired;
        try {
            acquired = acquire(gates, context, start);
        } catch (Throwable t) {
            return CompletableFuture.failedFuture(t);
        }
        CompletionStage<T> stage;
        try {
            long bound = timeoutNanos(perTryNanos);
            stage = bound == 0 ? action.get()
                    : timeout != null ? timeout.callAsync(action, bound)
                    : Deadlines.callAsyncWithin(name, perTryScheduler, action, bound);
        } catch (Throwable t) {
            completeAttempt(acquired, context, start, null, t);
            return CompletableFuture.failedFuture(t);
        }
        return stage.whenComplete((r, e) -> completeAttempt(acquired, context, start, r, unwrap(e)));
    }

    private static Throwable unwrap(Throwable e) {
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        if (degradeSwitch != null) parts.add("switch:" + degradeSwitch.name());
        for (CallGate g : outerGates) parts.add(g.name());
        if (idempotency != null) parts.add("idempotency:" + idempotency.name());
        if (retry != null) parts.add("retry:" + retry.name());
        for (CallGate g : gates) parts.add(g.name());
        if (timeout != null) parts.add("timeout:" + timeout.name());
        return "Pipeline[" + name + ": " + String.join(" <- ", parts) + "]";
    }

    /** Builds a {@link Pipeline}. */
    public static final class PipelineBuilder {
        private final String name;
        private CallObserver observer;
        private DegradeSwitch degradeSwitch;
        private final List<CallGate> outerGates = new ArrayList<>();
        private Idempotency idempotency;
        private Retry retry;
        private CircuitBreaker circuitBreaker;
        private RateLimiter rateLimiter;
        private Bulkhead bulkhead;
        private ConcurrencyLimit concurrencyLimit;
        private final List<CallGate> gates = new ArrayList<>();
        private Timeout timeout;
        private Clock clock;
        private ScheduledExecutorService scheduler;
        private Executor asyncExecutor = ForkJoinPool.commonPool();

        PipelineBuilder(String name) {
            if (name == null || name.isBlank()) {
                throw new InvalidConfigException("pipeline", "name", "must be a non-blank name");
            }
            this.name = name;
        }

        /** Sees every call once it has ended (metrics, access logs); several can be combined by the caller. */
        public PipelineBuilder observer(CallObserver observer) {
            this.observer = observer;
            return this;
        }

        /** When the switch is degraded, calls are refused with {@link DegradedException} without running. */
        public PipelineBuilder degradeSwitch(DegradeSwitch s) {
            this.degradeSwitch = s;
            return this;
        }

        /** A gate around all attempts together (the island guard): acquired once per logical call. */
        public PipelineBuilder outerGate(CallGate gate) {
            outerGates.add(Objects.requireNonNull(gate, "gate"));
            return this;
        }

        public PipelineBuilder idempotency(Idempotency idempotency) {
            this.idempotency = idempotency;
            return this;
        }

        public PipelineBuilder retry(Retry retry) {
            this.retry = retry;
            return this;
        }

        public PipelineBuilder circuitBreaker(CircuitBreaker circuitBreaker) {
            this.circuitBreaker = circuitBreaker;
            return this;
        }

        public PipelineBuilder rateLimiter(RateLimiter rateLimiter) {
            this.rateLimiter = rateLimiter;
            return this;
        }

        public PipelineBuilder bulkhead(Bulkhead bulkhead) {
            this.bulkhead = bulkhead;
            return this;
        }

        public PipelineBuilder concurrencyLimit(ConcurrencyLimit concurrencyLimit) {
            this.concurrencyLimit = concurrencyLimit;
            return this;
        }

        /** A custom per-attempt gate; custom gates run after the built-in ones, in the order added. */
        public PipelineBuilder gate(CallGate gate) {
            gates.add(Objects.requireNonNull(gate, "gate"));
            return this;
        }

        public PipelineBuilder timeout(Timeout timeout) {
            this.timeout = timeout;
            return this;
        }

        /**
         * The clock of every call: read once per attempt and handed to the gates. Optional: by default
         * the pipeline takes the clock its policies were built with (they must all share one), or the
         * system clock.
         */
        public PipelineBuilder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Scheduler for per-try timeouts when no {@link Timeout} policy is set. */
        public PipelineBuilder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /** Executor that runs async retries after their backoff. */
        public PipelineBuilder asyncExecutor(Executor executor) {
            this.asyncExecutor = Objects.requireNonNull(executor, "asyncExecutor");
            return this;
        }

        public Pipeline build() {
            return new Pipeline(this);
        }

        /**
         * The one clock of the pipeline and its policies: the pipeline hands its readings to the gates
         * and the retry budget, so a policy keeping time in another clock would mix two time bases.
         */
        private Clock agreedClock() {
            Clock agreed = clock;
            String from = clock == null ? null : "the pipeline";
            List<Object[]> timed = new ArrayList<>();
            for (CallGate g : outerGates) {
                timed.add(new Object[] {"gate '" + g.name() + "'", g.clock()});
            }
            for (CallGate g : orderedGates()) {
                timed.add(new Object[] {"gate '" + g.name() + "'", g.clock()});
            }
            if (retry != null) {
                timed.add(new Object[] {"retry '" + retry.name() + "'", retry.clock()});
                timed.add(new Object[] {"the budget of retry '" + retry.name() + "'", retry.budget().clock()});
            }
            for (Object[] t : timed) {
                Clock c = (Clock) t[1];
                if (c == null) {
                    continue;
                }
                if (agreed == null) {
                    agreed = c;
                    from = (String) t[0];
                } else if (c != agreed) {
                    throw new InvalidConfigException("pipeline", "clock", t[0] + " keeps time in another clock than "
                            + from + ": build the pipeline and its policies with the same Clock");
                }
            }
            return agreed == null ? Clock.system() : agreed;
        }

        /** The design's order: circuit breaker, rate limiter, bulkhead, concurrency limit, then custom gates. */
        private List<CallGate> orderedGates() {
            List<CallGate> ordered = new ArrayList<>();
            for (CallGate g : new CallGate[] {circuitBreaker, rateLimiter, bulkhead, concurrencyLimit}) {
                if (g != null) {
                    ordered.add(g);
                }
            }
            ordered.addAll(gates);
            return ordered;
        }
    }
}
