package io.nines.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nines.core.InvalidConfigException;
import io.nines.topology.ClusterTopology.Kind;
import io.nines.topology.Endpoint.Role;
import io.nines.topology.Endpoint.State;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterTopologyTest {

    static final Endpoint DB1 = Endpoint.of("db1", "10.0.1.5", 3306, "a", Role.PRIMARY);
    static final Endpoint DB2 = Endpoint.of("db2", "10.0.2.5", 3306, "b", Role.REPLICA);
    static final Endpoint DB3 = Endpoint.of("db3", "10.0.3.5", 3306, "c", Role.REPLICA);

    static ClusterTopology orders(long epoch) {
        return ClusterTopology.of("orders-db", Kind.MARIADB, epoch, DB1, DB2, DB3);
    }

    private static void assertField(Runnable r, String policy, String field, String problemPart) {
        assertThatThrownBy(r::run)
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> {
                    assertThat(e.policy()).isEqualTo(policy);
                    assertThat(e.field()).isEqualTo(field);
                })
                .hasMessageContaining(problemPart);
    }

    @Test
    void endpointValidationNamesTheField() {
        assertField(() -> Endpoint.of("db1", "h", 0, "a", Role.PRIMARY), "endpoint[db1]", "port", "[1, 65535], was 0");
        assertField(() -> Endpoint.of("db1", "h", 65_536, "a", Role.PRIMARY), "endpoint[db1]", "port", "was 65536");
        assertField(() -> Endpoint.of("db1", "h", 3306, " ", Role.PRIMARY), "endpoint[db1]", "zone", "not blank");
        assertField(() -> Endpoint.of("db1", "h", 3306, null, Role.PRIMARY), "endpoint[db1]", "zone", "must be set");
        assertField(() -> Endpoint.of("db1", "", 3306, "a", Role.PRIMARY), "endpoint[db1]", "host", "not blank");
        assertField(() -> Endpoint.of(" ", "h", 3306, "a", Role.PRIMARY), "endpoint", "id", "not blank");
        assertField(() -> Endpoint.of("db 1", "h", 3306, "a", Role.PRIMARY), "endpoint", "id", "whitespace");
        assertField(() -> Endpoint.of("db1", "h", 3306, "a", null), "endpoint[db1]", "role", "must be set");
        assertField(() -> new Endpoint("db1", "h", 3306, "a", Role.REPLICA, -1, State.UP), "endpoint[db1]", "weight", ">= 0");
        assertField(() -> new Endpoint("db1", "h", 3306, "a", Role.REPLICA, 1, null), "endpoint[db1]", "state", "must be set");
        assertThat(Endpoint.of("db1", "::1", 3306, "a", Role.PRIMARY).address()).isEqualTo("[::1]:3306");
        assertThat(DB1.address()).isEqualTo("10.0.1.5:3306");
    }

    @Test
    void clusterValidationNamesTheField() {
        assertField(() -> ClusterTopology.of("orders/db", Kind.MARIADB, 0), "cluster", "name", "[A-Za-z0-9._-]");
        assertField(() -> ClusterTopology.of("orders-db", null, 0), "cluster[orders-db]", "kind", "must be set");
        assertField(() -> ClusterTopology.of("orders-db", Kind.MARIADB, -1), "cluster[orders-db]", "epoch", ">= 0");
        assertField(() -> ClusterTopology.of("orders-db", Kind.TCP, 0, DB1, DB2, DB1.withRole(Role.REPLICA)),
                "cluster[orders-db]", "endpoints[2].id", "duplicate endpoint id 'db1' (also endpoints[0])");
        assertField(() -> ClusterTopology.of("orders-db", Kind.MARIADB, 0, DB1, DB2.withRole(Role.PRIMARY)),
                "cluster[orders-db]", "endpoints[1].role", "second non-fenced primary 'db2'");
    }

    @Test
    void aFencedOldPrimaryMayStayListedAndOtherKindsMayHaveSeveralPrimaries() {
        ClusterTopology t = ClusterTopology.of("orders-db", Kind.MARIADB, 4,
                DB1.withState(State.FENCED), DB2.withRole(Role.PRIMARY));
        assertThat(t.primary()).contains(DB2.withRole(Role.PRIMARY));
        ClusterTopology q = ClusterTopology.of("orders-db", Kind.MARIADB, 4,
                DB1.withState(State.QUARANTINED), DB2.withRole(Role.PRIMARY));
        assertThat(q.primary().map(Endpoint::id)).contains("db2");
        ClusterTopology tcp = ClusterTopology.of("edge", Kind.TCP, 0, DB1, DB2.withRole(Role.PRIMARY));
        assertThat(tcp.withRole(Role.PRIMARY)).hasSize(2);
    }

    @Test
    void helpers() {
        ClusterTopology t = orders(3).withEndpoint(DB3.withState(State.FENCED));
        assertThat(t.primary()).contains(DB1);
        assertThat(t.replicas()).containsExactly(DB2);
        assertThat(t.withRole(Role.REPLICA)).extracting(Endpoint::id).containsExactly("db2", "db3");
        assertThat(t.inZone("b")).containsExactly(DB2);
        assertThat(t.inZone("z")).isEmpty();
        assertThat(t.zones()).containsExactly("a", "b", "c");
        assertThat(t.endpoint("db2")).contains(DB2);
        assertThat(t.endpoint("nope")).isEmpty();
        assertThat(t.endpoints()).isUnmodifiable();
        assertThat(ClusterTopology.of("x", Kind.HTTP, 0).primary()).isEmpty();
    }

    @Test
    void successorsRaiseTheEpochByOne() {
        ClusterTopology t = orders(7);
        assertThat(t.successor().epoch()).isEqualTo(8);
        assertThat(t.successor().endpoints()).isEqualTo(t.endpoints());
        assertThat(t.successor(List.of(DB2)).endpoints()).containsExactly(DB2);
        ClusterTopology drained = t.successor(DB3.withState(State.DRAINING));
        assertThat(drained.epoch()).isEqualTo(8);
        assertThat(drained.endpoint("db3").orElseThrow().state()).isEqualTo(State.DRAINING);
        assertThat(t.withEpoch(9).epoch()).isEqualTo(9);
        assertThat(t.withEndpoints(List.of(DB1)).epoch()).isEqualTo(7);
        assertThatThrownBy(() -> t.withEpoch(Long.MAX_VALUE).successor()).isInstanceOf(ArithmeticException.class);
    }

    @Test
    void promoteFencesTheOldPrimary() {
        ClusterTopology next = orders(7).promote("db2");
        assertThat(next.epoch()).isEqualTo(8);
        assertThat(next.primary().map(Endpoint::id)).contains("db2");
        assertThat(next.endpoint("db2").orElseThrow().state()).isEqualTo(State.UP);
        Endpoint old = next.endpoint("db1").orElseThrow();
        assertThat(old.role()).isEqualTo(Role.PRIMARY);
        assertThat(old.state()).isEqualTo(State.FENCED);
        assertThat(next.replicas()).containsExactly(DB3);
        // Promote again: db2 is fenced in turn, db1 stays fenced.
        ClusterTopology again = next.promote("db3");
        assertThat(again.primary().map(Endpoint::id)).contains("db3");
        assertThat(again.withRole(Role.PRIMARY)).filteredOn(Endpoint::isFenced).extracting(Endpoint::id)
                .containsExactlyInAnyOrder("db1", "db2");
        assertThatThrownBy(() -> next.promote("db9")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("db9");
    }

    @Test
    void supersedes() {
        ClusterTopology t = orders(5);
        assertThat(t.supersedes(null)).isTrue();
        assertThat(t.successor().supersedes(t)).isTrue();
        assertThat(t.supersedes(t.successor())).isFalse();
        assertThat(t.supersedes(orders(5))).isFalse(); // same content
        assertThat(t.withEndpoint(DB2.withWeight(3)).supersedes(t)).isTrue(); // same epoch, new content
    }
}
