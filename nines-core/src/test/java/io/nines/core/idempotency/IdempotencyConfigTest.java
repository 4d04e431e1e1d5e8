package io.nines.core.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nines.core.InvalidConfigException;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class IdempotencyConfigTest {

    private final InMemoryIdempotencyStore store = new InMemoryIdempotencyStore();

    @Test
    void defaultsAreValid() {
        IdempotencyConfig c = Idempotency.builder("x").store(store).config();
        assertThat(c.inProgressTtl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.maxWait()).isGreaterThan(c.inProgressTtl());
        assertThat(c.retention()).isEqualTo(Duration.ofHours(24));
        assertThat(c.recordFailure().test(new IOException())).isFalse();
    }

    @Test
    void eachBadValueNamesItsField() {
        assertField(Idempotency.builder("x"), "store");
        assertField(Idempotency.builder("x").store(store).inProgressTtl(Duration.ZERO), "inProgressTtl");
        assertField(Idempotency.builder("x").store(store).retention(Duration.ofSeconds(-1)), "retention");
        assertField(Idempotency.builder("x").store(store).pollInterval(null), "pollInterval");
        assertField(Idempotency.builder("x").store(store).pollInterval(Duration.ofSeconds(2))
                .maxPollInterval(Duration.ofSeconds(1)), "maxPollInterval");
        assertField(Idempotency.builder("x").store(store).maxWait(Duration.ofMillis(-1)), "maxWait");
        assertField(Idempotency.builder("x").store(store).recordFailuresIf(null), "recordFailure");
        assertField(Idempotency.builder(null).store(store), "name");
    }

    @Test
    void zeroMaxWaitIsAllowedAndFromCopiesAConfig() {
        IdempotencyConfig c = Idempotency.builder("x").store(store).maxWait(Duration.ZERO)
                .recordFailures(IllegalStateException.class).config();
        IdempotencyConfig copy = Idempotency.builder("y").from(c).config();
        assertThat(copy).isEqualTo(c);
        assertThat(copy.recordFailure().test(new IllegalStateException())).isTrue();
        assertThat(copy.recordFailure().test(new IllegalArgumentException())).isFalse();
    }

    @Test
    void emptyKeysAreRefused() {
        Idempotency idem = Idempotency.builder("x").store(store).build();
        assertThatThrownBy(() -> idem.execute("", () -> 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> idem.executeAsync(null, () -> null).toCompletableFuture().join())
                .hasCauseInstanceOf(IllegalArgumentException.class);
    }

    private static void assertField(IdempotencyBuilder b, String field) {
        assertThatThrownBy(b::build).isInstanceOfSatisfying(InvalidConfigException.class, e -> {
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.policy()).isEqualTo("idempotency");
        });
    }
}
