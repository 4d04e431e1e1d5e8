package io.nines.core.circuitbreaker;

import static io.nines.core.circuitbreaker.CircuitBreakerConfig.SlidingWindowType.TIME_BASED;
import static io.nines.core.circuitbreaker.CircuitBreakerTest.fail;
import static io.nines.core.circuitbreaker.CircuitBreakerTest.succeed;
import static org.assertj.core.api.Assertions.assertThat;

import io.nines.core.CallContext;
import io.nines.core.ManualClock;
import io.nines.core.circuitbreaker.CircuitBreaker.State;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TimeBasedWindowTest {

    private final ManualClock clock = new ManualClock();

    /** The calls of the last 10 seconds; opens at 50% failures once 6 calls are in. */
    private CircuitBreaker breaker() {
        return CircuitBreaker.builder("search").clock(clock)
                .slidingWindow(10, 6, TIME_BASED)
                .failureRateThreshold(50)
                .build();
    }

    @Test
    void countsTheCallsOfTheLastSecondsAndForgetsOlderBuckets() {
        CircuitBreaker cb = breaker();
        fail(cb, 2);                                  // second 0
        clock.advance(Duration.ofMillis(4_500));
        succeed(cb, 3);                               // second 4
        clock.advance(Duration.ofMillis(5_000));
        succeed(cb, 1);                               // second 9
        assertThat(cb.metrics().numberOfCalls()).isEqualTo(6);
        assertThat(cb.metrics().failedCalls()).isEqualTo(2);
        clock.advance(Duration.ofMillis(500));        // 10.0 s: second 0 has left the window
        assertThat(cb.metrics().numberOfCalls()).isEqualTo(4);
        assertThat(cb.metrics().failedCalls()).isZero();
        clock.advance(Duration.ofSeconds(4));         // 14.0 s: second 4 has left too
        assertThat(cb.metrics().numberOfCalls()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(6));
        assertThat(cb.metrics().numberOfCalls()).isZero();
        assertThat(cb.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void opensOnTheFailuresWithinTheWindowOnly() {
        CircuitBreaker cb = breaker();
        fail(cb, 5);
        clock.advance(Duration.ofSeconds(10));       // those 5 are forgotten
        succeed(cb, 3);
        fail(cb, 2);
        assertThat(cb.state()).isEqualTo(State.CLOSED); // 5 calls: fewer than the minimum
        fail(cb, 1);
        assertThat(cb.state()).isEqualTo(State.OPEN);   // 6 calls, 3 failed
        assertThat(cb.metrics().failureRate()).isEqualTo(50f);
    }

    @Test
    void aBucketReusedAfterALapStartsEmpty() {
        CircuitBreaker cb = breaker();
        fail(cb, 3);                                  // second 0, bucket 0
        clock.advance(Duration.ofSeconds(10));        // second 10, bucket 0 again
        succeed(cb, 2);
        assertThat(cb.metrics().numberOfCalls()).isEqualTo(2);
        assertThat(cb.metrics().failedCalls()).isZero();
    }

    @Test
    void recordsAfterALongIdlePeriodStartFromScratch() {
        CircuitBreaker cb = breaker();
        for (int second = 0; second < 10; second++) {
            succeed(cb, 5);
            clock.advance(Duration.ofSeconds(1));
        }
        assertThat(cb.metrics().numberOfCalls()).isEqualTo(45); // second 0 has just left
        clock.advance(Duration.ofDays(3));
        assertThat(cb.metrics().numberOfCalls()).isZero();
        fail(cb, 2);
        succeed(cb, 2);
        assertThat(cb.metrics().numberOfCalls()).isEqualTo(4);
        assertThat(cb.metrics().failedCalls()).isEqualTo(2);
    }

    @Test
    void slowCallsAreCountedPerBucketToo() {
        CircuitBreaker cb = CircuitBreaker.builder("search").clock(clock)
                .slidingWindow(5, 4, TIME_BASED)
                .slowCallDurationThreshold(Duration.ofMillis(100))
                .slowCallRateThreshold(75)
                .build();
        for (int i = 0; i < 3; i++) {
            cb.acquire(CallContext.DEFAULT);
            cb.onComplete(CallContext.DEFAULT, Duration.ofMillis(150).toNanos(), "ok", null);
        }
        clock.advance(Duration.ofSeconds(5)); // forgotten
        for (int i = 0; i < 3; i++) {
            cb.acquire(CallContext.DEFAULT);
            cb.onComplete(CallContext.DEFAULT, Duration.ofMillis(150).toNanos(), "ok", null);
        }
        assertThat(cb.state()).isEqualTo(State.CLOSED); // 3 calls in the window: fewer than the minimum
        succeed(cb, 1);
        assertThat(cb.state()).isEqualTo(State.OPEN);   // 3 slow of 4
        assertThat(cb.metrics().slowCallRate()).isEqualTo(75f);
    }
}
