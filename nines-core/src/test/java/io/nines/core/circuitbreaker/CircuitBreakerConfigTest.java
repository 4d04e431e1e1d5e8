package io.nines.core.circuitbreaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nines.core.InvalidConfigException;
import io.nines.core.ManualClock;
import io.nines.core.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.time.Duration;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class CircuitBreakerConfigTest {

    static Stream<Arguments> invalid() {
        return Stream.of(
                bad("slidingWindowType", b -> b.slidingWindowType(null)),
                bad("slidingWindowSize", b -> b.slidingWindowSize(0)),
                bad("slidingWindowSize", b -> b.slidingWindowSize(CircuitBreakerConfig.MAX_COUNT_WINDOW + 1)),
                bad("slidingWindowSize", b -> b.slidingWindow(86_401, 10, SlidingWindowType.TIME_BASED)),
                bad("minimumNumberOfCalls", b -> b.minimumNumberOfCalls(0)),
                bad("failureRateThreshold", b -> b.failureRateThreshold(0)),
                bad("failureRateThreshold", b -> b.failureRateThreshold(100.5f)),
                bad("failureRateThreshold", b -> b.failureRateThreshold(Float.NaN)),
                bad("slowCallRateThreshold", b -> b.slowCallRateThreshold(-1)),
                bad("slowCallDurationThreshold", b -> b.slowCallDurationThreshold(Duration.ZERO)),
                bad("slowCallDurationThreshold", b -> b.slowCallDurationThreshold(null)),
                bad("waitDurationInOpenState", b -> b.waitDurationInOpenState(Duration.ofMillis(-1))),
                bad("permittedCallsInHalfOpenState", b -> b.permittedCallsInHalfOpenState(0)),
                bad("permittedCallsInHalfOpenState", b -> b.permittedCallsInHalfOpenState(2_000_000)),
                bad("maxWaitDurationInHalfOpenState", b -> b.maxWaitDurationInHalfOpenState(Duration.ofSeconds(-1))),
                bad("recordResult", b -> b.recordResult(null)));
    }

    private static Arguments bad(String field, UnaryOperator<CircuitBreakerBuilder> change) {
        return Arguments.of(field, change);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void aBadValueIsRefusedNamingTheField(String field, UnaryOperator<CircuitBreakerBuilder> change) {
        CircuitBreakerBuilder builder = change.apply(CircuitBreaker.builder("cb"));
        assertThatThrownBy(builder::config)
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> {
                    assertThat(e.policy()).isEqualTo("circuitBreaker");
                    assertThat(e.field()).isEqualTo(field);
                })
                .hasMessageStartingWith("circuitBreaker." + field + ": ");
        assertThatThrownBy(builder::build).isInstanceOf(InvalidConfigException.class);
    }

    @Test
    void aBreakerNeedsANameAndAClock() {
        assertThatThrownBy(() -> CircuitBreaker.builder(" ").build())
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("name"));
        assertThatThrownBy(() -> CircuitBreaker.builder("cb").clock(null).build())
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("clock"));
        assertThatThrownBy(() -> CircuitBreaker.of("cb", null, new ManualClock()))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("config"));
    }

    @Test
    void defaultsAreResilience4js() {
        CircuitBreakerConfig c = CircuitBreakerConfig.defaults();
        assertThat(c.slidingWindowType()).isEqualTo(SlidingWindowType.COUNT_BASED);
        assertThat(c.slidingWindowSize()).isEqualTo(100);
        assertThat(c.minimumNumberOfCalls()).isEqualTo(100);
        assertThat(c.failureRateThreshold()).isEqualTo(50f);
        assertThat(c.slowCallRateThreshold()).isEqualTo(100f);
        assertThat(c.slowCallDurationThreshold()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.waitDurationInOpenState()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.permittedCallsInHalfOpenState()).isEqualTo(10);
        assertThat(c.maxWaitDurationInHalfOpenState()).isZero();
        assertThat(c.automaticTransitionFromOpenToHalfOpen()).isFalse();
        assertThat(c.ignoreRefusals()).isTrue();
        assertThat(c.recordException().test(new RuntimeException())).isTrue();
        assertThat(c.ignoreException().test(new RuntimeException())).isFalse();
        assertThat(c.recordResult().test("anything")).isFalse();
    }

    @Test
    void aConfigCanSeedAnotherBreaker() {
        CircuitBreakerConfig c = CircuitBreaker.builder("a").slidingWindow(20, 5, SlidingWindowType.TIME_BASED)
                .failureRateThreshold(25).waitDurationInOpenState(Duration.ofSeconds(3)).config();
        CircuitBreaker b = CircuitBreaker.builder("b").from(c).build();
        assertThat(b.config()).isEqualTo(c);
        assertThat(b.name()).isEqualTo("b");
        assertThat(CircuitBreaker.of("c", c).config()).isSameAs(c);
    }
}
