package io.nines.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nines.core.Clock;
import io.nines.core.InvalidConfigException;
import io.nines.jdbc.island.IslandGuard;
import io.nines.jdbc.island.IslandGuardBuilder;
import io.nines.jdbc.island.IslandGuardConfig;
import io.nines.jdbc.island.Peer;
import io.nines.topology.QuorumSignal;
import io.nines.topology.TopologyView;
import io.nines.topology.internal.QuorumState;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** A bad value fails in config()/build() with InvalidConfigException naming the field. */
class ConfigValidationTest {

    private static IslandGuardBuilder guard() {
        return IslandGuard.builder("g").zone("zoneA").peer("zoneB", "app-b", 8080)
                .storeSessionTimeout(Duration.ofSeconds(6));
    }

    private static NinesDataSourceBuilder ds() {
        return NinesDataSource.builder("orders-db").topology(TopologyView.detached("orders-db")).zone("zoneA")
                .user("app");
    }

    private static void guardFails(UnaryOperator<IslandGuardBuilder> change, String field) {
        assertThatThrownBy(() -> change.apply(guard()).config()).isInstanceOfSatisfying(InvalidConfigException.class,
                e -> {
                    assertThat(e.policy()).isEqualTo("islandGuard");
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.getMessage()).startsWith("islandGuard." + field + ": ");
                });
    }

    private static void dsFails(UnaryOperator<NinesDataSourceBuilder> change, String field) {
        assertThatThrownBy(() -> change.apply(ds()).config()).isInstanceOfSatisfying(InvalidConfigException.class,
                e -> {
                    assertThat(e.policy()).isEqualTo("ninesDataSource");
                    assertThat(e.field()).isEqualTo(field);
                });
    }

    @Test
    void islandGuardFields() {
        IslandGuardConfig ok = guard().peer("zoneA", "self", 1).peer("zoneC", "app-c", 8080).config();
        assertThat(ok.peers()).extracting(Peer::zone).containsExactly("zoneB", "zoneC"); // own zone dropped
        assertThat(ok.doubleCheckTimeout()).isEqualTo(IslandGuardConfig.DEFAULT_DOUBLE_CHECK_TIMEOUT);

        guardFails(b -> b.zone(null), "zone");
        guardFails(b -> b.zone(" "), "zone");
        guardFails(b -> IslandGuard.builder("g").zone("zoneA").storeSessionTimeout(Duration.ofSeconds(6)), "peers");
        guardFails(b -> IslandGuard.builder("g").zone("zoneA").peer("zoneA", "self", 1)
                .storeSessionTimeout(Duration.ofSeconds(6)), "peers");
        guardFails(b -> b.peer("zoneC", "h", 0), "peers[1].port");
        guardFails(b -> b.peer("zoneC", "", 80), "peers[1].host");
        guardFails(b -> b.peer(new Peer(null, "h", 80)), "peers[1].zone");
        guardFails(b -> b.storeSessionTimeout(null), "storeSessionTimeout");
        guardFails(b -> b.storeSessionTimeout(Duration.ZERO), "storeSessionTimeout");
        guardFails(b -> b.doubleCheckTimeout(Duration.ofSeconds(7)), "doubleCheckTimeout");
        guardFails(b -> b.doubleCheckTimeout(Duration.ofMillis(-1)), "doubleCheckTimeout");
        guardFails(b -> b.probeTimeout(Duration.ofSeconds(3)), "probeTimeout");
        guardFails(b -> b.recheckInterval(Duration.ZERO), "recheckInterval");
        guardFails(b -> b.probe(null), "probe");
        assertThatThrownBy(() -> guard().build()).isInstanceOfSatisfying(InvalidConfigException.class,
                e -> assertThat(e.field()).isEqualTo("quorum"));
    }

    @Test
    void dataSourceFields() {
        NinesDataSourceConfig ok = ds().password("secret").config();
        assertThat(ok.toString()).doesNotContain("secret").contains("password=***");
        assertThat(ok.poolSize()).isEqualTo(NinesDataSourceConfig.DEFAULT_POOL_SIZE);

        dsFails(b -> NinesDataSource.builder(" ").topology(TopologyView.detached("x")).zone("zoneA").user("u"),
                "cluster");
        dsFails(b -> NinesDataSource.builder("orders-db").zone("zoneA").user("u"), "topology");
        dsFails(b -> b.topology(TopologyView.detached("other")), "topology");
        dsFails(b -> b.zone(null), "zone");
        dsFails(b -> b.user(null), "user");
        dsFails(b -> b.password(null), "password");
        dsFails(b -> b.database("app?x=1"), "database");
        dsFails(b -> b.jdbcProperty(" ", "1"), "jdbcProperties");
        dsFails(b -> b.jdbcProperty("socketTimeout", null), "jdbcProperties[socketTimeout]");
        dsFails(b -> b.poolSize(0), "poolSize");
        dsFails(b -> b.minIdle(11), "minIdle");
        dsFails(b -> b.connectionTimeout(Duration.ofMillis(100)), "connectionTimeout");
        dsFails(b -> b.maxReplicaLag(Duration.ZERO), "maxReplicaLag");
        dsFails(b -> b.replicaCheckInterval(null), "replicaCheckInterval");
        dsFails(b -> b.replicaLagProbe(null), "replicaLagProbe");
        dsFails(b -> b.islandGuard(guard().config()), "islandGuard"); // a config needs a store's quorum
        QuorumState quorum = new QuorumState(QuorumSignal.State.CONNECTED, Clock.system());
        try (IslandGuard other = IslandGuard.builder("g").zone("zoneB").peer("zoneA", "a", 1)
                .storeSessionTimeout(Duration.ofSeconds(6)).quorum(quorum).build()) {
            dsFails(b -> b.islandGuard(other), "islandGuard.zone");
        }
    }
}
