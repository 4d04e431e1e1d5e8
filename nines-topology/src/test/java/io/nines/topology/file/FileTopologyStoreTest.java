package io.nines.topology.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nines.core.event.EventPublisher.Subscription;
import io.nines.topology.ClusterExistsException;
import io.nines.topology.ClusterTopology;
import io.nines.topology.ClusterTopology.Kind;
import io.nines.topology.Endpoint;
import io.nines.topology.Endpoint.Role;
import io.nines.topology.Leadership;
import io.nines.topology.QuorumSignal;
import io.nines.topology.TopologyConfigException;
import io.nines.topology.TopologyStoreException;
import io.nines.topology.TopologyView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTopologyStoreTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    static final String GOOD = """
            # single-host topology
            clusters:
              - name: orders-db
                kind: mariadb
                epoch: 3
                endpoints:
                  - id: db1
                    host: 127.0.0.1
                    port: 3306
                    zone: a
                    role: primary
                  - id: db2
                    host: 127.0.0.1
                    port: 3307
                    zone: b
                    role: REPLICA
                    weight: 2
                    state: draining
              - name: cache
                kind: redis
                endpoints:
                  - {id: r1, host: 127.0.0.1, port: 6379, zone: a, role: shard}
            """;

    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private Path write(String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        return f;
    }

    /** What an operator's tool should do: write aside, then rename over the file. */
    private void replace(Path file, String content) throws IOException {
        Path tmp = Files.createTempFile(dir, "edit", ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private FileTopologyStore open(Path file) {
        FileTopologyStore s = FileTopologyStore.builder(file).pollInterval(Duration.ofMillis(100)).open();
        toClose.add(s);
        return s;
    }

    @Test
    void loadsTheFile() throws IOException {
        FileTopologyStore s = open(write("topology.yaml", GOOD));
        assertThat(s.clusters()).containsExactly("cache", "orders-db");
        ClusterTopology orders = s.get("orders-db").orElseThrow();
        assertThat(orders.kind()).isEqualTo(Kind.MARIADB);
        assertThat(orders.epoch()).isEqualTo(3);
        assertThat(orders.primary().map(Endpoint::id)).contains("db1");
        Endpoint db2 = orders.endpoint("db2").orElseThrow();
        assertThat(db2.role()).isEqualTo(Role.REPLICA);
        assertThat(db2.weight()).isEqualTo(2);
        assertThat(db2.state()).isEqualTo(Endpoint.State.DRAINING);
        ClusterTopology cache = s.get("cache").orElseThrow();
        assertThat(cache.epoch()).as("default epoch").isZero();
        assertThat(cache.endpoints().get(0).weight()).as("default weight").isEqualTo(1);
        assertThat(cache.endpoints().get(0).state()).as("default state").isEqualTo(Endpoint.State.UP);
        assertThat(s.get("nope")).isEmpty();
        assertThat(s.quorum().state()).isEqualTo(QuorumSignal.State.CONNECTED);
        assertThat(s.lastError()).isEmpty();
    }

    @Test
    void compareAndSetWritesTheFileAtomically() throws Exception {
        Path file = write("topology.yaml", GOOD);
        FileTopologyStore s = open(file);
        ClusterTopology current = s.get("orders-db").orElseThrow();
        ClusterTopology staleRead = current.withEpoch(2);
        assertThat(s.compareAndSet("orders-db", 2, staleRead.promote("db2"))).isFalse();
        assertThat(Files.readString(file)).isEqualTo(GOOD);
        assertThat(s.compareAndSet("orders-db", 3, current.promote("db2"))).isTrue();
        assertThat(s.compareAndSet("orders-db", 3, current.promote("db2"))).isFalse();
        assertThat(s.get("orders-db").orElseThrow().epoch()).isEqualTo(4);
        assertThatThrownBy(() -> s.compareAndSet("orders-db", 4, current.successor()))
                .isInstanceOf(IllegalArgumentException.class);

        // What is on disk is the new topology, for any reader.
        assertThat(Files.readString(file)).contains("epoch: 4", "state: fenced");
        try (FileTopologyStore other = FileTopologyStore.open(file)) {
            assertThat(other.get("orders-db")).contains(current.promote("db2"));
            assertThat(other.get("cache")).isEqualTo(s.get("cache"));
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("topology.yaml", "topology.yaml.lock");
        }

        s.create(ClusterTopology.of("web", Kind.HTTP, 0, Endpoint.of("w1", "127.0.0.1", 8080, "a", Role.REPLICA)));
        assertThatThrownBy(() -> s.create(ClusterTopology.of("web", Kind.HTTP, 0))).isInstanceOf(ClusterExistsException.class);
        try (FileTopologyStore other = FileTopologyStore.open(file)) {
            assertThat(other.clusters()).containsExactly("cache", "orders-db", "web");
        }
    }

    @Test
    void concurrentCompareAndSetHasExactlyOneWinner() throws Exception {
        FileTopologyStore s = open(write("topology.yaml", GOOD));
        int threads = 4;
        int rounds = 10;
        CyclicBarrier barrier = new CyclicBarrier(threads);
        AtomicInteger wins = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t + 1;
                futures.add(pool.submit(() -> {
                    for (int r = 0; r < rounds; r++) {
                        barrier.await(10, TimeUnit.SECONDS);
                        ClusterTopology cur = s.get("orders-db").orElseThrow();
                        long expected = 3 + r;
                        ClusterTopology next = ClusterTopology.of("orders-db", Kind.MARIADB, expected + 1,
                                cur.endpoints().get(0).withWeight(id), cur.endpoints().get(1));
                        if (s.compareAndSet("orders-db", expected, next)) {
                            wins.incrementAndGet();
                        }
                        barrier.await(10, TimeUnit.SECONDS);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(wins.get()).isEqualTo(rounds);
        assertThat(s.get("orders-db").orElseThrow().epoch()).isEqualTo(3 + rounds);
    }

    @Test
    void anExternalEditIsPickedUpByTheWatch() throws Exception {
        Path file = write("topology.yaml", GOOD);
        FileTopologyStore s = open(file);
        List<Long> seen = new CopyOnWriteArrayList<>();
        s.watch("orders-db", t -> seen.add(t.epoch()));
        TopologyView view = s.view("orders-db");
        toClose.add(view);
        assertThat(seen).containsExactly(3L);
        assertThat(view.epoch()).isEqualTo(3);

        replace(file, GOOD.replace("epoch: 3", "epoch: 4").replace("role: primary", "role: primary\n        state: fenced")
                .replace("role: REPLICA", "role: primary"));
        await().atMost(WAIT).until(() -> view.epoch() == 4);
        assertThat(view.current().orElseThrow().primary().map(Endpoint::id)).contains("db2");
        await().atMost(WAIT).until(() -> seen.equals(List.of(3L, 4L)));

        // An edit in place (no rename) is seen too; a same-epoch change of weights is applied.
        Files.writeString(file, Files.readString(file).replace("weight: 2", "weight: 5"));
        await().atMost(WAIT).until(() -> view.current().orElseThrow().endpoint("db2").orElseThrow().weight() == 5);
        assertThat(view.epoch()).isEqualTo(4);
    }

    @Test
    void aBadFileFailsAtLoadNamingFileLineAndField() throws IOException {
        Path file = write("bad.yaml", GOOD.replace("port: 3307", "port: 70000"));
        assertThatThrownBy(() -> FileTopologyStore.open(file))
                .isInstanceOfSatisfying(TopologyConfigException.class, e -> {
                    assertThat(e.source()).isEqualTo(file.toAbsolutePath().toString());
                    assertThat(e.line()).isEqualTo(lineOf(GOOD, "port: 3307"));
                    assertThat(e.field()).isEqualTo("clusters[0].endpoints[1].port");
                    assertThat(e.problem()).contains("[1, 65535], was 70000");
                    assertThat(e.getMessage()).startsWith(file.toAbsolutePath() + ":" + e.line() + ":")
                            .contains("clusters[0].endpoints[1].port");
                });
    }

    @Test
    void badFilesOfEveryKindAreLocated() throws IOException {
        assertBad(GOOD.replace("zone: b", "zon: b"), lineOf(GOOD, "zone: b"), "clusters[0].endpoints[1].zon",
                "unknown field (expected one of id, host, port, zone, role, weight, state)");
        assertBad(GOOD.replace("role: REPLICA", "role: leader"), lineOf(GOOD, "role: REPLICA"), "clusters[0].endpoints[1].role",
                "must be one of primary, replica, shard, backup, was 'leader'");
        assertBad(GOOD.replace("role: REPLICA", "role: primary"), lineOf(GOOD, "role: REPLICA"), "clusters[0].endpoints[1].role",
                "second non-fenced primary");
        assertBad(GOOD.replace("id: db2", "id: db1"), lineOf(GOOD, "id: db2"), "clusters[0].endpoints[1].id",
                "duplicate endpoint id");
        assertBad(GOOD.replace("epoch: 3", "epoch: three"), lineOf(GOOD, "epoch: 3"), "clusters[0].epoch", "must be an integer");
        assertBad(GOOD.replace("kind: redis", "kind: memcache"), lineOf(GOOD, "kind: redis"), "clusters[1].kind", "must be one of");
        assertBad(GOOD.replace("name: cache", "name: orders-db"), lineOf(GOOD, "- name: cache"), "clusters[1].name",
                "duplicate cluster name");
        assertBad(GOOD.replace("name: cache", "name: 'bad name'"), lineOf(GOOD, "name: cache"), "clusters[1].name",
                "[A-Za-z0-9._-]");
        String noZone = GOOD.replace("        zone: a\n        role: primary", "        role: primary");
        assertThat(noZone).isNotEqualTo(GOOD);
        assertBad(noZone, lineOf(noZone, "- id: db1"), "clusters[0].endpoints[0].zone", "is required");
        assertBad(GOOD.replace("clusters:", "cluster:"), lineOf(GOOD, "clusters:"), "cluster", "unknown field");
        // A YAML syntax error: a key indented out of place.
        String misindented = GOOD.replace("        weight: 2", "       weight: 2");
        Path file = write("bad.yaml", misindented);
        assertThatThrownBy(() -> FileTopologyStore.open(file))
                .isInstanceOfSatisfying(TopologyConfigException.class, e -> {
                    assertThat(e.line()).isBetween(lineOf(misindented, "weight: 2"), lineOf(misindented, "weight: 2") + 1);
                    assertThat(e.getMessage()).contains("bad.yaml:" + e.line() + ":");
                });
    }

    private void assertBad(String content, int line, String field, String problem) throws IOException {
        Path file = write("bad.yaml", content);
        assertThatThrownBy(() -> FileTopologyStore.open(file))
                .as(field)
                .isInstanceOfSatisfying(TopologyConfigException.class, e -> {
                    assertThat(e.line()).as("line of %s in %s", field, e.getMessage()).isEqualTo(line);
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.problem()).contains(problem);
                    assertThat(e.getMessage()).contains("bad.yaml:" + line + ":", field + ": ");
                });
    }

    private static int lineOf(String content, String text) {
        String[] lines = content.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(text)) {
                return i + 1;
            }
        }
        throw new AssertionError(text + " not in file");
    }

    @Test
    void aBadReloadKeepsTheOldTopologyAndReportsTheError() throws Exception {
        Path file = write("topology.yaml", GOOD);
        FileTopologyStore s = open(file);
        List<TopologyConfigException> errors = new CopyOnWriteArrayList<>();
        Subscription sub = s.onError(errors::add);
        List<Long> seen = new CopyOnWriteArrayList<>();
        s.watch("orders-db", t -> seen.add(t.epoch()));

        String bad = GOOD.replace("epoch: 3", "epoch: 4").replace("port: 3306", "port: -1");
        replace(file, bad);
        await().atMost(WAIT).until(() -> !errors.isEmpty());
        TopologyConfigException e = errors.get(0);
        assertThat(e.line()).isEqualTo(lineOf(bad, "port: -1"));
        assertThat(e.field()).isEqualTo("clusters[0].endpoints[0].port");
        assertThat(s.lastError()).contains(e);
        assertThat(s.get("orders-db").orElseThrow().epoch()).isEqualTo(3);
        assertThat(s.get("orders-db").orElseThrow().endpoint("db1").orElseThrow().port()).isEqualTo(3306);
        assertThat(seen).containsExactly(3L);
        assertThat(s.reload()).isFalse();
        // No publishing over a file someone is editing.
        ClusterTopology cur = s.get("orders-db").orElseThrow();
        assertThatThrownBy(() -> s.compareAndSet("orders-db", 3, cur.successor()))
                .isInstanceOf(TopologyStoreException.class).hasMessageContaining("invalid");

        // An epoch going back is refused as well.
        String lower = GOOD.replace("epoch: 3", "epoch: 2");
        replace(file, lower);
        await().atMost(WAIT).until(() -> errors.size() >= 2);
        assertThat(errors.get(1).field()).isEqualTo("clusters[0].epoch");
        assertThat(errors.get(1).line()).isEqualTo(lineOf(lower, "epoch: 2"));
        assertThat(errors.get(1).problem()).contains("went back from 3 to 2");
        assertThat(s.get("orders-db").orElseThrow().epoch()).isEqualTo(3);

        // Fixing the file applies it and clears the error.
        replace(file, GOOD.replace("epoch: 3", "epoch: 5"));
        await().atMost(WAIT).until(() -> seen.contains(5L));
        assertThat(s.lastError()).isEmpty();
        assertThat(s.reload()).isTrue();
        assertThat(seen).containsExactly(3L, 5L);
        sub.close();
    }

    @Test
    void aMissingOrSyntacticallyBrokenFileIsReported() throws IOException {
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> FileTopologyStore.open(missing))
                .isInstanceOf(TopologyConfigException.class).hasMessageContaining("nope.yaml").hasMessageContaining("not found");
        String broken = GOOD.replace("kind: mariadb", "kind: [mariadb");
        Path file = write("broken.yaml", broken);
        assertThatThrownBy(() -> FileTopologyStore.open(file))
                .isInstanceOfSatisfying(TopologyConfigException.class, e -> {
                    assertThat(e.line()).isGreaterThanOrEqualTo(lineOf(broken, "kind: [mariadb"));
                    assertThat(e.getMessage()).contains("broken.yaml:");
                });
        Path empty = write("empty.yaml", "");
        try (FileTopologyStore s = FileTopologyStore.open(empty)) {
            assertThat(s.clusters()).isEmpty();
            s.create(ClusterTopology.of("web", Kind.HTTP, 0));
        }
        try (FileTopologyStore s = FileTopologyStore.open(empty)) {
            assertThat(s.clusters()).containsExactly("web");
        }
    }

    @Test
    void leadershipIsGrantedToOneParticipantAtATime() throws Exception {
        FileTopologyStore s = open(write("topology.yaml", GOOD));
        Leadership a = s.elect("managers", "a");
        Leadership b = s.elect("managers", "b");
        assertThat(a.isLeader()).isTrue();
        assertThat(a.awaitLeadership(Duration.ZERO)).isTrue();
        assertThat(b.isLeader()).isFalse();
        assertThat(b.leader()).contains("a");
        assertThatThrownBy(() -> s.elect("managers", "a")).isInstanceOf(IllegalArgumentException.class);
        List<Boolean> bChanges = new CopyOnWriteArrayList<>();
        b.listen(c -> bChanges.add(c.leader()));
        a.close();
        assertThat(a.isLeader()).isFalse();
        assertThat(b.awaitLeadership(Duration.ofSeconds(1))).isTrue();
        assertThat(bChanges).containsExactly(true);
        assertThat(b.leader()).contains("b");
        b.close();
        assertThat(bChanges).containsExactly(true, false);
        assertThat(b.awaitLeadership(Duration.ZERO)).isFalse();
    }
}
