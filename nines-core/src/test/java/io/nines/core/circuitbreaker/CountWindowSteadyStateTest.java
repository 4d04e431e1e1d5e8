package io.nines.core.circuitbreaker;

import static org.assertj.core.api.Assertions.assertThat;

import io.nines.core.CallContext;
import io.nines.core.ManualClock;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** A window full of successes skips recording further successes; the window must still be exactly the last N. */
class CountWindowSteadyStateTest {

    private final ManualClock clock = new ManualClock();
    private final CircuitBreaker cb = CircuitBreaker.builder("w").slidingWindowSize(4).minimumNumberOfCalls(4)
            .failureRateThreshold(60).clock(clock).build();

    private void success() {
        cb.acquire(CallContext.DEFAULT);
        cb.onComplete(CallContext.DEFAULT, 1_000, "ok", null);
    }

    private void failure() {
        cb.acquire(CallContext.DEFAULT);
        cb.onComplete(CallContext.DEFAULT, 1_000, null, new IOException("down"));
    }

    @Test
    void aFailureAfterManySkippedSuccessesLeavesAfterExactlyNMoreCalls() {
        for (int i = 0; i < 1000; i++) {
            success();
        }
        assertThat(cb.metrics().numberOfCalls()).isEqualTo(4);
        failure();
        assertThat(cb.metrics().failedCalls()).isEqualTo(1);
        for (int i = 0; i < 3; i++) {
            success();
            assertThat(cb.metrics().failedCalls()).as("after %d successes", i + 1).isEqualTo(1);
        }
        success();
        assertThat(cb.metrics().failedCalls()).as("the failure is the 5th-last call: out of the window").isZero();
        assertThat(cb.metrics().numberOfCalls()).isEqualTo(4);
    }

    @Test
    void failuresInterleavedWithSteadyStateStillTripAtTheThreshold() {
        for (int i = 0; i < 100; i++) {
            success();
        }
        failure();
        failure();
        assertThat(cb.state()).isEqualTo(CircuitBreaker.State.CLOSED); // 2 of 4 = 50 % < 60 %
        failure();
        assertThat(cb.state()).isEqualTo(CircuitBreaker.State.OPEN); // 3 of 4 = 75 %
    }
}
