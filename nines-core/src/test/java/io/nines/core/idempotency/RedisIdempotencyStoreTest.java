package io.nines.core.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nines.core.Clock;
import io.nines.core.idempotency.IdempotencyStore.Acquired;
import io.nines.core.idempotency.IdempotencyStore.InProgress;
import io.nines.core.idempotency.internal.RespClient;
import io.nines.testkit.EmbeddedRedis;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contract on a real Redis (started once for the class), spoken to over the internal RESP client. */
class RedisIdempotencyStoreTest extends IdempotencyStoreContract {

    private static EmbeddedRedis redis;
    private static RedisIdempotencyStore store;
    private static RespClient admin;

    @BeforeAll
    static void startRedis() {
        redis = EmbeddedRedis.start();
        store = RedisIdempotencyStore.builder(redis.host(), redis.port()).maxConnections(24).build();
        admin = new RespClient(redis.host(), redis.port(), 1, Duration.ofSeconds(2), null, 0);
    }

    @AfterAll
    static void stopRedis() {
        if (admin != null) {
            admin.close();
        }
        if (store != null) {
            store.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Override
    IdempotencyStore store() {
        return store;
    }

    @Override
    Clock clock() {
        return Clock.system();
    }

    @Override
    void elapse(Duration d) {
        // real time passes while the tests wait
    }

    @Override
    Duration lease() {
        return Duration.ofMillis(400);
    }

    @Override
    boolean reportsPreviousOwner() {
        return false; // an expired Redis lease is simply gone
    }

    @Test
    void recordsLiveUnderThePrefixWithTheLeaseAsTtl() throws Exception {
        String key = newKey();
        assertThat(store.begin(key, "owner-1", Duration.ofSeconds(60))).isInstanceOf(Acquired.class);
        assertThat(new String((byte[]) admin.call("GET", "nines:idem:" + key), StandardCharsets.UTF_8))
                .isEqualTo("P|owner-1");
        assertThat((Long) admin.call("PTTL", "nines:idem:" + key)).isBetween(1L, 60_000L);
        assertThat(store.begin(key, "owner-2", Duration.ofSeconds(60))).isInstanceOfSatisfying(InProgress.class,
                p -> assertThat(p.expiresAtMillis()).isGreaterThan(System.currentTimeMillis() + 50_000));
    }

    @Test
    void keepsWorkingAfterRedisDropsItsPooledConnections() throws Exception {
        String key = newKey();
        assertThat(store.begin(key, "owner-1", Duration.ofSeconds(60))).isInstanceOf(Acquired.class);
        // Kill every client connection but the admin's own: the store's pooled sockets are now dead.
        admin.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
        assertThat(store.complete(key, "owner-1", RecordedOutcome.value("v"), Duration.ofMinutes(1))).isTrue();
        assertThat(store.begin(key, "owner-2", Duration.ofSeconds(60))).isInstanceOf(IdempotencyStore.Completed.class);
    }

    @Test
    void aResultThatIsNotSerializableFailsClearly() {
        Idempotency idem = policy(store).build();
        String key = newKey();
        assertThatThrownBy(() -> idem.execute(key, () -> new Object()))
                .isInstanceOf(OutcomeCodecException.class)
                .hasMessageContaining("not java.io.Serializable");
        assertThat(store.begin(key, "next", Duration.ofMinutes(1))).isInstanceOf(Acquired.class);
    }

    @Test
    void aServerThatIsGoneIsAStoreError() {
        int port = io.nines.testkit.FreePorts.loopback();
        try (RedisIdempotencyStore nowhere = RedisIdempotencyStore.builder("127.0.0.1", port)
                .timeout(Duration.ofMillis(500)).build()) {
            assertThatThrownBy(() -> nowhere.begin("k", "o", Duration.ofSeconds(1)))
                    .isInstanceOf(IdempotencyStoreException.class);
            Idempotency idem = policy(nowhere).build();
            assertThatThrownBy(() -> idem.execute("k", () -> runs.incrementAndGet()))
                    .isInstanceOf(IdempotencyStoreException.class);
            assertThat(runs).as("without a record the action must not run").hasValue(0);
        }
    }
}
