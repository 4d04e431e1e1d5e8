package io.nines.core.circuitbreaker;

import static io.nines.core.circuitbreaker.CircuitBreakerConfig.SlidingWindowType.COUNT_BASED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;
import static org.assertj.core.api.Assertions.tuple;

import io.nines.core.BulkheadFullException;
import io.nines.core.CallContext;
import io.nines.core.CircuitOpenException;
import io.nines.core.ManualClock;
import io.nines.core.RateLimitedException;
import io.nines.core.Refusal;
import io.nines.core.TimeoutExceededException;
import io.nines.core.circuitbreaker.CircuitBreaker.State;
import io.nines.core.circuitbreaker.CircuitBreakerEvent.CallNotPermitted;
import io.nines.core.circuitbreaker.CircuitBreakerEvent.FailureRateExceeded;
import io.nines.core.circuitbreaker.CircuitBreakerEvent.Ignored;
import io.nines.core.circuitbreaker.CircuitBreakerEvent.Reset;
import io.nines.core.circuitbreaker.CircuitBreakerEvent.SlowCallRateExceeded;
import io.nines.core.circuitbreaker.CircuitBreakerEvent.StateTransition;
import io.nines.core.circuitbreaker.CircuitBreakerEvent.Success;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

    private static final CallContext CTX = CallContext.DEFAULT;
    private static final long FAST = Duration.ofMillis(1).toNanos();
    private static final IOException BOOM = new IOException("boom");

    private final ManualClock clock = new ManualClock();

    /** Window of the last 10 calls, opens at 50% failures once 10 calls are in, 10 s open, 3 trial calls. */
    private CircuitBreakerBuilder builder() {
        return CircuitBreaker.builder("payments").clock(clock)
                .slidingWindow(10, 10, COUNT_BASED)
                .failureRateThreshold(50)
                .waitDurationInOpenState(Duration.ofSeconds(10))
                .permittedCallsInHalfOpenState(3);
    }

    static void succeed(CircuitBreaker cb, int n) {
        for (int i = 0; i < n; i++) {
            cb.acquire(CTX);
            cb.onComplete(CTX, FAST, "ok", null);
        }
    }

    static void fail(CircuitBreaker cb, int n) {
        for (int i = 0; i < n; i++) {
            cb.acquire(CTX);
            cb.onComplete(CTX, FAST, null, BOOM);
        }
    }

    private static List<CircuitBreakerEvent> record(CircuitBreaker cb) {
        List<CircuitBreakerEvent> events = new ArrayList<>();
        cb.events().subscribe(events::add);
        return events;
    }

    private static List<StateTransition> transitions(List<CircuitBreakerEvent> events) {
        return events.stream().filter(StateTransition.class::isInstance).map(StateTransition.class::cast).toList();
    }

    private CircuitBreaker opened() {
        CircuitBreaker cb = builder().build();
        fail(cb, 10);
        assertThat(cb.state()).isEqualTo(State.OPEN);
        return cb;
    }

    // ------------------------------------------------------------------ closed -> open

    @Test
    void startsClosedAndAdmitsEveryCall() {
        CircuitBreaker cb = builder().build();
        assertThat(cb.state()).isEqualTo(State.CLOSED);
        succeed(cb, 100);
        assertThat(cb.metrics()).isEqualTo(new CircuitBreaker.Metrics(0f, 0f, 10, 0, 0, 0, State.CLOSED));
    }

    @Test
    void opensWhenTheFailureRateReachesTheThreshold() {
        CircuitBreaker cb = builder().build();
        succeed(cb, 5);
        fail(cb, 4);
        assertThat(cb.state()).isEqualTo(State.CLOSED); // 9 calls: fewer than the minimum
        assertThat(cb.metrics().failureRate()).isEqualTo(-1f);
        fail(cb, 1);
        assertThat(cb.state()).isEqualTo(State.OPEN);
        CircuitBreaker.Metrics m = cb.metrics();
        assertThat(m.failureRate()).isEqualTo(50f);
        assertThat(m.numberOfCalls()).isEqualTo(10);
        assertThat(m.failedCalls()).isEqualTo(5);
        assertThat(m.successfulCalls()).isEqualTo(5);
    }

    @Test
    void staysClosedBelowTheThreshold() {
        CircuitBreaker cb = builder().build();
        succeed(cb, 6);
        fail(cb, 4);
        assertThat(cb.state()).isEqualTo(State.CLOSED);
        assertThat(cb.metrics().failureRate()).isEqualTo(40f);
    }

    @Test
    void minimumNumberOfCallsDelaysTheDecision() {
        CircuitBreaker cb = builder().slidingWindow(10, 5, COUNT_BASED).build();
        fail(cb, 4);
        assertThat(cb.state()).isEqualTo(State.CLOSED);
        assertThat(cb.metrics().failureRate()).isEqualTo(-1f);
        fail(cb, 1);
        assertThat(cb.state()).isEqualTo(State.OPEN);
    }

    @Test
    void aSuccessThatCompletesTheMinimumCanOpenTheBreaker() {
        CircuitBreaker cb = builder().build();
        fail(cb, 5);
        succeed(cb, 4);
        assertThat(cb.state()).isEqualTo(State.CLOSED);
        succeed(cb, 1); // 10 calls, 5 failures: 50%
        assertThat(cb.state()).isEqualTo(State.OPEN);
    }

    @Test
    void minimumLargerThanACountWindowIsLoweredToTheWindowSize() {
        assertThat(builder().slidingWindow(5, 100, COUNT_BASED).config().minimumNumberOfCalls()).isEqualTo(5);
        CircuitBreaker cb = builder().slidingWindow(5, 100, COUNT_BASED).build();
        fail(cb, 5);
        assertThat(cb.state()).isEqualTo(State.OPEN);
    }

    @Test
    void theCountWindowKeepsOnlyTheLastCalls() {
        CircuitBreaker cb = builder().build();
        fail(cb, 4);
        succeed(cb, 20);
        assertThat(cb.metrics().numberOfCalls()).isEqualTo(10);
        assertThat(cb.metrics().failedCalls()).isZero();
        fail(cb, 4);
        assertThat(cb.metrics().failureRate()).isEqualTo(40f);
        assertThat(cb.state()).isEqualTo(State.CLOSED);
        fail(cb, 1);
        assertThat(cb.state()).isEqualTo(State.OPEN);
    }

    // ------------------------------------------------------------------ slow calls

    @Test
    void opensWhenTheSlowCallRateReachesItsThreshold() {
        CircuitBreaker cb = builder().slowCallRateThreshold(50).slowCallDurationThreshold(Duration.ofSeconds(1)).build();
        List<CircuitBreakerEvent> events = record(cb);
        for (int i = 0; i < 5; i++) {
            cb.acquire(CTX);
            cb.onComplete(CTX, Duration.ofSeconds(1).toNanos(), "ok", null); // exactly the threshold: not slow
        }
        assertThat(cb.metrics().slowCalls()).isZero();
        for (int i = 0; i < 4; i++) {
            cb.acquire(CTX);
            cb.onComplete(CTX, Duration.ofMillis(1001).toNanos(), "ok", null);
        }
        assertThat(cb.state()).isEqualTo(State.CLOSED);
        cb.acquire(CTX);
        cb.onComplete(CTX, Duration.ofSeconds(30).toNanos(), null, BOOM); // slow and failed
        CircuitBreaker.Metrics m = cb.metrics();
        assertThat(m.state()).isEqualTo(State.OPEN);
        assertThat(m.slowCallRate()).isEqualTo(50f);
        assertThat(m.slowCalls()).isEqualTo(5);
        assertThat(m.failedCalls()).isEqualTo(1);
        assertThat(events).filteredOn(SlowCallRateExceeded.class::isInstance)
                .containsExactly(new SlowCallRateExceeded("payments", clock.currentTimeMillis(), 50f));
        assertThat(events).noneMatch(FailureRateExceeded.class::isInstance);
    }

    // ------------------------------------------------------------------ open

    @Test
    void openRefusesWithTheNameStateAndRemainingWait() {
        CircuitBreaker cb = opened();
        assertThatThrownBy(() -> cb.acquire(CTX))
                .isInstanceOfSatisfying(CircuitOpenException.class, e -> {
                    assertThat(e.policy()).isEqualTo("payments");
                    assertThat(e.refusal()).isEqualTo(Refusal.CIRCUIT_OPEN);
                })
                .hasMessage("circuit breaker 'payments' is OPEN: calls are not permitted for another 10000 ms");
        clock.advance(Duration.ofMillis(4_000));
        assertThatThrownBy(() -> cb.acquire(CTX)).hasMessageContaining("another 6000 ms");
        assertThat(cb.tryAcquirePermission()).isFalse();
        assertThat(cb.metrics().notPermittedCalls()).isEqualTo(3);
    }

    @Test
    void outcomesOfCallsAdmittedBeforeOpeningAreNotCounted() {
        CircuitBreaker cb = builder().build();
        cb.acquire(CTX); // in flight while the breaker opens
        fail(cb, 10);
        cb.onComplete(CTX, FAST, "ok", null);
        assertThat(cb.metrics().numberOfCalls()).isEqualTo(10);
        assertThat(cb.state()).isEqualTo(State.OPEN);
    }

    @Test
    void movesToHalfOpenOnTheFirstAcquireAfterTheWait() {
        CircuitBreaker cb = opened();
        clock.advance(Duration.ofMillis(9_999));
        assertThat(cb.tryAcquirePermission()).isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(cb.state()).isEqualTo(State.OPEN); // nothing moves it without a call
        assertThat(cb.tryAcquirePermission()).isTrue();
        assertThat(cb.state()).isEqualTo(State.HALF_OPEN);
    }

    @Test
    void automaticTransitionShowsHalfOpenWithoutACall() {
        CircuitBreaker cb = builder().automaticTransitionFromOpenToHalfOpen(true).build();
        fail(cb, 10);
        clock.advance(Duration.ofSeconds(9));
        assertThat(cb.state()).isEqualTo(State.OPEN);
        clock.advance(Duration.ofSeconds(1));
        assertThat(cb.state()).isEqualTo(State.HALF_OPEN);
        assertThat(cb.metrics().numberOfCalls()).isZero();
    }

    // ------------------------------------------------------------------ half-open

    private CircuitBreaker halfOpen() {
        CircuitBreaker cb = opened();
        clock.advance(Duration.ofSeconds(10));
        return cb;
    }

    @Test
    void halfOpenAdmitsExactlyTheTrialCallsThenClosesWhenTheyPass() {
        CircuitBreaker cb = halfOpen();
        for (int i = 0; i < 3; i++) {
            cb.acquire(CTX);
        }
        assertThatThrownBy(() -> cb.acquire(CTX))
                .isInstanceOf(CircuitOpenException.class)
                .hasMessage("circuit breaker 'payments' is HALF_OPEN: its 3 trial calls are in flight");
        cb.onComplete(CTX, FAST, "ok", null);
        cb.onComplete(CTX, FAST, "ok", null);
        assertThat(cb.state()).isEqualTo(State.HALF_OPEN);
        assertThat(cb.metrics().numberOfCalls()).isEqualTo(2);
        cb.onComplete(CTX, FAST, "ok", null);
        assertThat(cb.state()).isEqualTo(State.CLOSED);
        assertThat(cb.metrics().numberOfCalls()).isZero(); // a new closed period starts empty
    }

    @Test
    void halfOpenWaitsForAllTrialCallsThenReopensWhenTheyFail() {
        CircuitBreaker cb = halfOpen();
        succeed(cb, 1);
        fail(cb, 1);
        assertThat(cb.state()).isEqualTo(State.HALF_OPEN); // 1 of 3 failed so far: not decided yet
        fail(cb, 1);
        assertThat(cb.state()).isEqualTo(State.OPEN);
        assertThat(cb.metrics().failureRate()).isCloseTo(66.67f, offset(0.01f));
        // and the wait starts again
        clock.advance(Duration.ofSeconds(9));
        assertThat(cb.tryAcquirePermission()).isFalse();
    }

    @Test
    void halfOpenClosesWhenTheTrialFailureRateIsUnderTheThreshold() {
        CircuitBreaker cb = halfOpen();
        succeed(cb, 2);
        fail(cb, 1);
        assertThat(cb.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void anAbandonedOrIgnoredTrialCallGivesItsPermitBack() {
        CircuitBreaker cb = builder().ignoreExceptions(IllegalArgumentException.class).build();
        fail(cb, 10);
        clock.advance(Duration.ofSeconds(10));
        for (int i = 0; i < 3; i++) {
            cb.acquire(CTX);
        }
        assertThat(cb.tryAcquirePermission()).isFalse();
        cb.abandon(CTX);
        assertThat(cb.tryAcquirePermission()).isTrue();
        assertThat(cb.tryAcquirePermission()).isFalse();
        cb.onComplete(CTX, FAST, null, new IllegalArgumentException("bad input"));
        assertThat(cb.tryAcquirePermission()).isTrue();
        assertThat(cb.tryAcquirePermission()).isFalse();
        for (int i = 0; i < 3; i++) {
            cb.onComplete(CTX, FAST, "ok", null);
        }
        assertThat(cb.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void trialCallsThatNeverReportReopenAfterTheMaximumWait() {
        CircuitBreaker cb = builder().maxWaitDurationInHalfOpenState(Duration.ofSeconds(5)).build();
        fail(cb, 10);
        clock.advance(Duration.ofSeconds(10));
        for (int i = 0; i < 3; i++) {
            cb.acquire(CTX);
        }
        clock.advance(Duration.ofSeconds(2));
        assertThatThrownBy(() -> cb.acquire(CTX)).hasMessage(
                "circuit breaker 'payments' is HALF_OPEN: its 3 trial calls are in flight, opening again in at most 3000 ms");
        clock.advance(Duration.ofSeconds(3));
        assertThatThrownBy(() -> cb.acquire(CTX)).hasMessageContaining("is OPEN");
        assertThat(cb.state()).isEqualTo(State.OPEN);
        // the late outcomes of the abandoned trials change nothing
        cb.onComplete(CTX, FAST, "ok", null);
        assertThat(cb.state()).isEqualTo(State.OPEN);
    }

    @Test
    void manualTransitions() {
        CircuitBreaker cb = builder().build();
        List<CircuitBreakerEvent> events = record(cb);
        cb.transitionToOpen();
        assertThat(cb.state()).isEqualTo(State.OPEN);
        assertThat(cb.tryAcquirePermission()).isFalse();
        cb.transitionToHalfOpen();
        assertThat(cb.state()).isEqualTo(State.HALF_OPEN);
        cb.transitionToClosed();
        assertThat(cb.state()).isEqualTo(State.CLOSED);
        assertThat(transitions(events)).extracting(StateTransition::from, StateTransition::to).containsExactly(
                tuple(State.CLOSED, State.OPEN),
                tuple(State.OPEN, State.HALF_OPEN),
                tuple(State.HALF_OPEN, State.CLOSED));
    }

    // ------------------------------------------------------------------ forced and disabled

    @Test
    void forcedOpenRefusesEverythingUntilReleased() {
        CircuitBreaker cb = builder().build();
        cb.forceOpen();
        assertThat(cb.state()).isEqualTo(State.FORCED_OPEN);
        assertThatThrownBy(() -> cb.acquire(CTX)).isInstanceOf(CircuitOpenException.class)
                .hasMessage("circuit breaker 'payments' is FORCED_OPEN: calls are not permitted until it is closed or reset");
        clock.advance(Duration.ofHours(1));
        assertThat(cb.tryAcquirePermission()).isFalse();
        assertThat(cb.metrics().notPermittedCalls()).isEqualTo(2);
        cb.transitionToClosed();
        assertThat(cb.tryAcquirePermission()).isTrue();
    }

    @Test
    void forcedClosedRecordsButNeverOpens() {
        CircuitBreaker cb = builder().build();
        cb.forceClosed();
        fail(cb, 50);
        assertThat(cb.state()).isEqualTo(State.FORCED_CLOSED);
        CircuitBreaker.Metrics m = cb.metrics();
        assertThat(m.failureRate()).isEqualTo(100f);
        assertThat(m.numberOfCalls()).isEqualTo(10);
        cb.transitionToClosed();
        fail(cb, 10);
        assertThat(cb.state()).isEqualTo(State.OPEN);
    }

    @Test
    void disabledAdmitsEverythingAndRecordsNothing() {
        CircuitBreaker cb = builder().build();
        cb.disable();
        List<CircuitBreakerEvent> events = record(cb);
        fail(cb, 50);
        succeed(cb, 5);
        assertThat(cb.state()).isEqualTo(State.DISABLED);
        assertThat(cb.metrics()).isEqualTo(new CircuitBreaker.Metrics(-1f, -1f, 0, 0, 0, 0, State.DISABLED));
        assertThat(events).isEmpty();
    }

    @Test
    void resetClosesWithAnEmptyWindowAndNoRefusalCount() {
        CircuitBreaker cb = opened();
        cb.tryAcquirePermission();
        List<CircuitBreakerEvent> events = record(cb);
        cb.reset();
        assertThat(cb.metrics()).isEqualTo(new CircuitBreaker.Metrics(-1f, -1f, 0, 0, 0, 0, State.CLOSED));
        assertThat(events).containsExactly(
                new StateTransition("payments", clock.currentTimeMillis(), State.OPEN, State.CLOSED),
                new Reset("payments", clock.currentTimeMillis()));
    }

    // ------------------------------------------------------------------ classification

    @Test
    void ignoredExceptionsAreNeitherSuccessNorFailure() {
        CircuitBreaker cb = builder().ignoreExceptions(IllegalArgumentException.class).build();
        List<CircuitBreakerEvent> events = record(cb);
        for (int i = 0; i < 20; i++) {
            cb.acquire(CTX);
            cb.onComplete(CTX, FAST, null, new NumberFormatException("subtype of the ignored type"));
        }
        assertThat(cb.metrics().numberOfCalls()).isZero();
        assertThat(events).hasSize(20).allMatch(Ignored.class::isInstance);
    }

    @Test
    void onlyRecordedExceptionsAreFailures() {
        CircuitBreaker cb = builder().recordExceptions(IOException.class).build();
        for (int i = 0; i < 10; i++) {
            cb.acquire(CTX);
            cb.onComplete(CTX, FAST, null, new IllegalStateException("a business error"));
        }
        assertThat(cb.metrics().failedCalls()).isZero();
        assertThat(cb.metrics().numberOfCalls()).isEqualTo(10);
        fail(cb, 5);
        assertThat(cb.state()).isEqualTo(State.OPEN);
    }

    @Test
    void recordExceptionPredicateAndIgnoreWinsOverRecord() {
        CircuitBreaker cb = builder()
                .recordException(t -> t.getMessage() != null && t.getMessage().startsWith("db"))
                .ignoreException(t -> t.getMessage() != null && t.getMessage().endsWith("ignored"))
                .build();
        cb.acquire(CTX);
        cb.onComplete(CTX, FAST, null, new RuntimeException("db down"));
        cb.acquire(CTX);
        cb.onComplete(CTX, FAST, null, new RuntimeException("cache miss"));
        cb.acquire(CTX);
        cb.onComplete(CTX, FAST, null, new RuntimeException("db down, ignored"));
        assertThat(cb.metrics().numberOfCalls()).isEqualTo(2);
        assertThat(cb.metrics().failedCalls()).isEqualTo(1);
    }

    @Test
    void refusalsOfInnerPoliciesAreIgnoredButTimeoutsAreFailures() {
        CircuitBreaker cb = builder().build();
        cb.acquire(CTX);
        cb.onComplete(CTX, FAST, null, new RateLimitedException("rl", "tenant-a", "over quota"));
        cb.acquire(CTX);
        cb.onComplete(CTX, FAST, null, new BulkheadFullException("bh", "full"));
        cb.acquire(CTX);
        cb.onComplete(CTX, FAST, null, new CompletionException(new BulkheadFullException("bh", "full")));
        assertThat(cb.metrics().numberOfCalls()).isZero();
        cb.acquire(CTX);
        cb.onComplete(CTX, FAST, null, new TimeoutExceededException("to", "took longer than 1 s"));
        assertThat(cb.metrics().numberOfCalls()).isEqualTo(1);
        assertThat(cb.metrics().failedCalls()).isEqualTo(1);
    }

    @Test
    void refusalsCanBeRecorded() {
        CircuitBreaker cb = builder().ignoreRefusals(false).build();
        cb.acquire(CTX);
        cb.onComplete(CTX, FAST, null, new BulkheadFullException("bh", "full"));
        assertThat(cb.metrics().failedCalls()).isEqualTo(1);
    }

    @Test
    void wrappedErrorsAreClassifiedByTheirCause() {
        CircuitBreaker cb = builder().ignoreExceptions(IOException.class).build();
        cb.acquire(CTX);
        cb.onComplete(CTX, FAST, null, new CompletionException(new IOException("async")));
        assertThat(cb.metrics().numberOfCalls()).isZero();
    }

    @Test
    void resultsMatchingThePredicateAreFailures() {
        CircuitBreaker cb = builder().recordResult(r -> Integer.valueOf(503).equals(r)).build();
        List<CircuitBreakerEvent> events = record(cb);
        for (int i = 0; i < 5; i++) {
            cb.acquire(CTX);
            cb.onComplete(CTX, FAST, 200, null);
            cb.acquire(CTX);
            cb.onComplete(CTX, FAST, 503, null);
        }
        assertThat(cb.state()).isEqualTo(State.OPEN);
        assertThat(events).filteredOn(CircuitBreakerEvent.Error.class::isInstance).hasSize(5)
                .allSatisfy(e -> {
                    CircuitBreakerEvent.Error error = (CircuitBreakerEvent.Error) e;
                    assertThat(error.result()).isEqualTo(503);
                    assertThat(error.throwable()).isNull();
                });
    }

    // ------------------------------------------------------------------ events and execute

    @Test
    void eventsOfAWholeCycle() {
        CircuitBreaker cb = builder().build();
        List<CircuitBreakerEvent> events = record(cb);
        long t0 = clock.currentTimeMillis();
        succeed(cb, 5);
        fail(cb, 5);
        assertThat(events.subList(0, 5)).containsOnly(new Success("payments", t0, Duration.ofNanos(FAST)));
        assertThat(events.subList(5, 10)).containsOnly(
                new CircuitBreakerEvent.Error("payments", t0, Duration.ofNanos(FAST), BOOM, null));
        assertThat(events.subList(10, 12)).containsExactly(
                new FailureRateExceeded("payments", t0, 50f),
                new StateTransition("payments", t0, State.CLOSED, State.OPEN));
        cb.tryAcquirePermission();
        assertThat(events.get(12)).isEqualTo(new CallNotPermitted("payments", t0, State.OPEN));
        clock.advance(Duration.ofSeconds(10));
        succeed(cb, 3);
        long t1 = clock.currentTimeMillis();
        assertThat(transitions(events)).containsExactly(
                new StateTransition("payments", t0, State.CLOSED, State.OPEN),
                new StateTransition("payments", t1, State.OPEN, State.HALF_OPEN),
                new StateTransition("payments", t1, State.HALF_OPEN, State.CLOSED));
    }

    @Test
    void aListenerCanUnsubscribe() {
        CircuitBreaker cb = builder().build();
        List<CircuitBreakerEvent> events = new ArrayList<>();
        var subscription = cb.events().subscribe(events::add);
        succeed(cb, 1);
        subscription.close();
        succeed(cb, 1);
        assertThat(events).hasSize(1);
    }

    @Test
    void executeRunsRecordsAndRefuses() throws Exception {
        CircuitBreaker cb = builder().build();
        assertThat(cb.execute(() -> "value")).isEqualTo("value");
        for (int i = 0; i < 9; i++) {
            assertThatThrownBy(() -> cb.execute(() -> {
                throw BOOM;
            })).isSameAs(BOOM);
        }
        assertThat(cb.state()).isEqualTo(State.OPEN);
        AtomicInteger ran = new AtomicInteger();
        assertThatThrownBy(() -> cb.execute(ran::incrementAndGet)).isInstanceOf(CircuitOpenException.class);
        assertThat(ran).hasValue(0);
    }
}
