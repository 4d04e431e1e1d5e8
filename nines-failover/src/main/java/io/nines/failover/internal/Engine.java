package io.nines.failover.internal;

import io.nines.mariadb.Gtid;
import io.nines.mariadb.GtidPosition;
import io.nines.core.Clock;
import io.nines.failover.AuditEntry.Step;
import io.nines.failover.AuditLog;
import io.nines.failover.FailoverConfig;
import io.nines.failover.FailoverConfig.Ackers;
import io.nines.failover.FailoverConfig.Candidate;
import io.nines.failover.FailoverConfig.HostPort;
import io.nines.failover.FailoverConfig.Lossless;
import io.nines.failover.FailoverConfig.Node;
import io.nines.failover.FailoverConfig.Rejoin;
import io.nines.failover.FailoverRecord;
import io.nines.failover.Finding;
import io.nines.failover.ManagerState;
import io.nines.failover.ManagerView;
import io.nines.failover.NodeSample;
import io.nines.failover.Reach;
import io.nines.failover.ReplicaStatus;
import io.nines.failover.SwitchoverResult;
import io.nines.topology.ClusterExistsException;
import io.nines.topology.ClusterTopology;
import io.nines.topology.Endpoint;
import io.nines.topology.Leadership;
import io.nines.topology.TopologyStoreException;
import io.nines.topology.TopologyView;
import io.nines.topology.zookeeper.ZooKeeperTopologyStore;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The failover manager's engine (DESIGN §5). One thread runs rounds: probe every node in parallel, update what
 * is known of each, publish this manager's view of the primary, and, if this manager leads, decide: confirm a
 * suspected failure from the replicas and the other managers, fail over, reconcile returning nodes, check and
 * enforce lossless settings, and run switchovers. Everything the decisions read and write is confined to that
 * thread; other threads only enqueue work and read a snapshot.
 */
public final class Engine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(5);
    private static final long LOSSLESS_EVERY_NANOS = 5_000_000_000L;
    private static final long FIX_COOLDOWN_NANOS = 20_000_000_000L;

    private final FailoverConfig cfg;
    private final Clock clock;
    private final AuditLog audit;
    private final CuratorFramework curator;
    private final ZooKeeperTopologyStore store;
    private final FailoverStore fstore;
    private final TopologyView view;
    private final Leadership leadership;
    private final ExecutorService io = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("nines-failover-io-", 0).factory());
    private final ExecutorService storeWriter;
    private final Map<String, Node> nodes;
    private final Map<String, NodeClient> clients = new LinkedHashMap<>();
    private final Map<String, NodeHistory> histories = new LinkedHashMap<>();
    private final ConcurrentLinkedQueue<Task> tasks = new ConcurrentLinkedQueue<>();
    private final ReentrantLock wakeLock = new ReentrantLock();
    private final Condition wakeUp = wakeLock.newCondition();
    private final AtomicBoolean tailPending = new AtomicBoolean();
    private final Map<String, InetAddress> resolved = new HashMap<>();
    private final Thread loop;
    private volatile boolean closed;
    private volatile ManagerState state;

    // Loop-confined.
    private ClusterTopology topology;
    private Map<String, NodeSample> samples = Map.of();
    private Suspicion suspicion;
    private boolean wasLeader;
    private long rounds;
    private Promoted promoted;
    private long lastLosslessNanos = Long.MIN_VALUE;
    private long losslessEpoch = -1;
    private List<Finding> findings = List.of();
    private final Map<String, String> reported = new HashMap<>();
    private final Map<String, Long> fixedAt = new HashMap<>();
    private final Map<String, String> notes = new HashMap<>();
    private boolean losslessOkReported;

    /** A switchover asked through the API. */
    private record Task(String target, CompletableFuture<SwitchoverResult> result, String requestId) {
    }

    /** A candidate already promoted in the database whose publication did not happen yet. */
    private record Promoted(String candidate, String oldPrimary, long expectedEpoch, List<String> followers,
                            Map<String, String> quarantine) {
    }

    /** What is suspected about the primary. */
    private static final class Suspicion {
        final String primary;
        final long firstFailNanos;
        final long firstFailMillis;
        boolean sawTimeout;
        Reach lastReach;
        long retryAfterNanos = Long.MIN_VALUE;
        long confirmedNanos = Long.MIN_VALUE; // first DOWN verdict
        Map<String, Boolean> stoppedByHand; // replicas an operator had stopped, when the freeze began
        Map<String, Future<?>> freezing;    // STOP SLAVE IO_THREAD in flight or done, per replica

        Suspicion(String primary, long firstFailNanos, long firstFailMillis) {
            this.primary = primary;
            this.firstFailNanos = firstFailNanos;
            this.firstFailMillis = firstFailMillis;
        }
    }

    public Engine(FailoverConfig cfg, Clock clock, AuditLog audit) {
        this.cfg = cfg;
        this.clock = clock;
        this.audit = audit;
        this.nodes = cfg.nodesByName();
        FailoverConfig.Store s = cfg.store();
        this.curator = CuratorFrameworkFactory.builder()
                .connectString(s.zookeeper())
                .sessionTimeoutMs((int) s.sessionTimeout().toMillis())
                .connectionTimeoutMs((int) s.connectionTimeout().toMillis())
                .retryPolicy(new BoundedExponentialBackoffRetry(100, 1000, 3))
                .build();
        this.store = ZooKeeperTopologyStore.using(curator, s.namespace(), clock);
        this.fstore = new FailoverStore(curator.usingNamespace(s.namespace()), cfg.cluster());
        this.storeWriter = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("nines-failover-store-" + cfg.manager().id()).unstarted(r));
        long keep = cfg.failover().maxPromotionLag().toNanos() + 10_000_000_000L;
        for (Node n : cfg.nodes()) {
            clients.put(n.name(), new NodeClient(n.name(), n.addressFrom(cfg.manager().zone()), cfg.credentials(),
                    cfg.detection(), io, clock));
            histories.put(n.name(), new NodeHistory(n.name(), keep));
        }
        this.view = store.view(cfg.cluster());
        this.leadership = store.elect(cfg.electionGroup(), cfg.manager().id());
        leadership.listen(c -> wake());
        audit.listen(e -> scheduleTail());
        audit.record(Step.MANAGER_START, "manager " + cfg.manager().id() + " in zone " + cfg.manager().zone()
                        + " starts for cluster " + cfg.cluster() + " (" + cfg.nodes().size() + " nodes)",
                "probeInterval", Durations.format(cfg.detection().probeInterval()),
                "missesBeforeSuspect", cfg.detection().missesBeforeSuspect(),
                "suspectBound", Durations.format(cfg.detection().suspectBound()),
                "islandBound", Durations.format(cfg.failover().islandBound()) + " = store session "
                        + Durations.format(cfg.store().sessionTimeout()) + " + clients' double check "
                        + Durations.format(cfg.failover().clientDoubleCheck())
                        + " (a primary that times out is replaced only this long after the last sign it was alive)",
                "antiFlapWindow", Durations.format(cfg.failover().antiFlapWindow()),
                "lossless", FailoverConfig.yamlName(cfg.failover().lossless()),
                "semiSyncTimeout", Durations.format(cfg.failover().semiSyncTimeout()),
                "semiSyncAckers", FailoverConfig.yamlName(cfg.failover().semiSyncAckers()),
                "rejoin", FailoverConfig.yamlName(cfg.failover().rejoin()));
        this.loop = Thread.ofPlatform().name("nines-failover-" + cfg.manager().id()).unstarted(this::run);
        this.state = new ManagerState(cfg.manager().id(), false, null, Map.of(), List.of(), "", 0);
    }

    public void start() {
        loop.start();
    }

    public AuditLog audit() {
        return audit;
    }

    public ManagerState state() {
        return state;
    }

    public Leadership leadership() {
        return leadership;
    }

    /** Asks the loop for a switchover to {@code target}; completes when done or refused. */
    public CompletableFuture<SwitchoverResult> switchover(String target) {
        CompletableFuture<SwitchoverResult> f = new CompletableFuture<>();
        tasks.add(new Task(target, f, "api-" + UUID.randomUUID()));
        wake();
        return f;
    }

    private void wake() {
        wakeLock.lock();
        try {
            wakeUp.signalAll();
        } finally {
            wakeLock.unlock();
        }
    }

    // =================================================================== loop

    private void run() {
        while (!closed) {
            long start = clock.nanoTime();
            try {
                round();
            } catch (RuntimeException e) {
                LOG.error("manager round failed", e);
                note("round-error", Step.ERROR, "a probe round failed: " + e);
            }
            boolean hurry = suspicion != null || histories.values().stream().anyMatch(h -> h.misses() > 0 && isPrimary(h.name()));
            long interval = (hurry ? cfg.detection().recheckInterval() : cfg.detection().probeInterval()).toNanos();
            long until = start + interval;
            wakeLock.lock();
            try {
                long left;
                while (!closed && tasks.isEmpty() && (left = until - clock.nanoTime()) > 0) {
                    wakeUp.awaitNanos(left);
                }
            } catch (InterruptedException e) {
                if (closed) {
                    break;
                }
            } finally {
                wakeLock.unlock();
            }
        }
    }

    private boolean isPrimary(String name) {
        return topology != null && topology.primary().map(p -> p.id().equals(name)).orElse(false);
    }

    private void round() {
        long now = clock.nanoTime();
        long nowMs = clock.currentTimeMillis();
        rounds++;
        long roundEpoch = topology == null ? -1 : topology.epoch();
        samples = sampleAll(nowMs, nodes.keySet());
        if (closed) {
            return; // probes interrupted by close() tell nothing
        }
        if (LOG.isDebugEnabled()) {
            long took = (clock.nanoTime() - now) / 1_000_000;
            if (took > cfg.detection().probeInterval().toMillis()) {
                LOG.debug("{}: probe round took {} ms: {}", cfg.manager().id(), took, samples.values().stream()
                        .map(x -> x.node() + "=" + x.reach() + "/" + x.latencyMillis() + "ms").collect(Collectors.joining(", ")));
            }
        }
        view.current().ifPresent(t -> {
            if (topology == null || t.epoch() > topology.epoch()) {
                if (topology != null) {
                    audit.record(Step.TOPOLOGY_CHANGED, "topology is now at epoch " + t.epoch() + ", primary "
                            + t.primary().map(Endpoint::id).orElse("none"), "epoch", t.epoch(), "endpoints", describe(t));
                }
                topology = t;
                suspicion = null;
                histories.values().forEach(NodeHistory::resetFailures);
            }
        });
        updateHistories();
        boolean leader = leadership.isLeader();
        if (leader != wasLeader) {
            audit.record(leader ? Step.LEADER_GAINED : Step.LEADER_LOST, leader
                    ? "this manager leads " + cfg.electionGroup() + ": it alone acts"
                    : "this manager no longer leads " + cfg.electionGroup() + " (store connection " + store.quorum().state() + ")");
            wasLeader = leader;
        }
        publishView(leader, nowMs);
        if (!leader) {
            failPendingTasks();
        }
        if (topology == null) {
            if (leader) {
                bootstrap();
            }
            snapshot(leader);
            return;
        }
        Endpoint primary = topology.primary().orElse(null);
        if (leader && promoted != null) {
            resumePublication();
        } else if (primary != null) {
            evaluate(primary, leader, now, nowMs);
        } else {
            note("no-primary", Step.ERROR, "the topology has no primary that is not fenced (epoch " + topology.epoch()
                    + "): nothing to protect until an operator publishes one");
        }
        if (leader && suspicion == null && promoted == null) {
            long epochBefore = topology.epoch();
            runTasks();
            // This round's probes predate a change just made: decide on fresh ones next round.
            if (topology.epoch() == epochBefore && roundEpoch == epochBefore) {
                reconcile();
            }
        }
        snapshot(leader);
    }

    private void snapshot(boolean leader) {
        Suspicion s = suspicion;
        state = new ManagerState(cfg.manager().id(), leader, topology, Map.copyOf(samples), List.copyOf(findings),
                s == null ? "" : s.primary + " failing since " + Instant.ofEpochMilli(s.firstFailMillis) + " (" + s.lastReach + ")",
                rounds);
    }

    private Map<String, NodeSample> sampleAll(long nowMs, Set<String> names) {
        Map<String, Future<NodeSample>> fs = new LinkedHashMap<>();
        for (String n : names) {
            NodeClient c = clients.get(n);
            fs.put(n, io.submit(() -> c.sample(nowMs)));
        }
        long now = clock.nanoTime();
        Map<String, NodeSample> out = new LinkedHashMap<>();
        fs.forEach((n, f) -> {
            try {
                out.put(n, f.get());
            } catch (ExecutionException e) {
                out.put(n, new NodeSample(n, now, clock.nanoTime(), nowMs, Reach.ERROR, String.valueOf(e.getCause()), 0, null, null));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                out.put(n, new NodeSample(n, now, clock.nanoTime(), nowMs, Reach.ERROR, "interrupted", 0, null, null));
            }
        });
        return out;
    }

    private void updateHistories() {
        Endpoint p = topology == null ? null : topology.primary().orElse(null);
        long primaryServerId = p == null ? -1 : histories.get(p.id()) == null ? -1 : histories.get(p.id()).serverId();
        for (Map.Entry<String, NodeSample> e : samples.entrySet()) {
            boolean replica = topology != null && topology.endpoint(e.getKey())
                    .map(ep -> ep.role() == Endpoint.Role.REPLICA && !ep.isFenced()).orElse(false);
            boolean isPrimary = p != null && p.id().equals(e.getKey());
            histories.get(e.getKey()).update(e.getValue(), isPrimary ? -1 : primaryServerId, replica);
        }
    }

    private void publishView(boolean leader, long nowMs) {
        Endpoint p = topology == null ? null : topology.primary().orElse(null);
        NodeHistory h = p == null ? null : histories.get(p.id());
        ManagerView v = new ManagerView(cfg.manager().id(), cfg.manager().zone(), leader,
                topology == null ? -1 : topology.epoch(), p == null ? "" : p.id(),
                h == null || h.last() == null ? null : h.last().reach(),
                h == null || h.lastOk() == null ? 0 : h.lastOk().timeMillis(), nowMs);
        storeWriter.execute(() -> {
            try {
                fstore.publishView(v);
            } catch (RuntimeException e) {
                LOG.debug("cannot publish the view: {}", e.toString());
            }
        });
    }

    private void scheduleTail() {
        if (cfg.audit().storeTail() == 0 || closed || !tailPending.compareAndSet(false, true)) {
            return;
        }
        try {
            storeWriter.execute(() -> {
                tailPending.set(false);
                try {
                    fstore.writeAuditTail(cfg.manager().id(), audit.tail(cfg.audit().storeTail()));
                } catch (RuntimeException e) {
                    LOG.debug("cannot store the audit tail: {}", e.toString());
                }
            });
        } catch (RuntimeException e) {
            tailPending.set(false); // writer closed
        }
    }

    // =================================================================== bootstrap

    private void bootstrap() {
        String primary = cfg.primary();
        if (primary == null) {
            List<String> writable = samples.values().stream().filter(s -> s.replicatesFromNobody() && !s.variables().readOnly())
                    .map(NodeSample::node).toList();
            List<String> unknown = samples.values().stream().filter(s -> !s.ok()).map(NodeSample::node).toList();
            if (writable.size() != 1 || !unknown.isEmpty()) {
                note("bootstrap", Step.REFUSED, "cannot tell the primary to create the topology: writable nodes that"
                        + " replicate from nobody " + writable + ", unreachable " + unknown + " (set 'primary' in the config)");
                return;
            }
            primary = writable.getFirst();
        }
        List<Endpoint> eps = new ArrayList<>();
        for (Node n : cfg.nodes()) {
            eps.add(Endpoint.of(n.name(), n.host(), n.port(), n.zone(),
                    n.name().equals(primary) ? Endpoint.Role.PRIMARY : Endpoint.Role.REPLICA));
        }
        ClusterTopology t = new ClusterTopology(cfg.cluster(), ClusterTopology.Kind.MARIADB, 1, eps);
        try {
            store.create(t);
            audit.record(Step.TOPOLOGY_CREATED, "created the topology of " + cfg.cluster() + " with primary " + primary,
                    "epoch", t.epoch(), "endpoints", describe(t));
            topology = t;
        } catch (ClusterExistsException e) {
            store.get(cfg.cluster()).ifPresent(x -> topology = x);
        } catch (TopologyStoreException e) {
            note("bootstrap", Step.ERROR, "cannot create the topology: " + e.getMessage());
        }
    }

    // =================================================================== detection and confirmation

    private void evaluate(Endpoint primary, boolean leader, long now, long nowMs) {
        NodeHistory h = histories.get(primary.id());
        NodeSample last = h.last();
        if (last == null) {
            return;
        }
        if (last.reach().alive()) {
            if (last.reach() == Reach.ERROR) {
                note("primary-error:" + primary.id(), Step.PROBE_FAILED, "primary " + primary.id()
                        + " answers with an error (alive, not a failure): " + last.error());
            }
            if (suspicion != null) {
                audit.record(Step.PROBE_RECOVERED, "primary " + primary.id() + " answers again after "
                        + (now - suspicion.firstFailNanos) / 1_000_000 + " ms: no failover");
                Suspicion sus = suspicion;
                if (sus.freezing != null) {
                    unfreeze(awaitFreeze(sus), sus.stoppedByHand);
                }
                clearSuspicion();
            }
            return;
        }
        if (h.misses() == 1 && suspicion == null) {
            audit.record(Step.PROBE_FAILED, "probe of primary " + primary.id() + " failed (" + last.reach() + "): "
                    + last.error(), "reach", last.reach(), "latencyMs", last.latencyMillis());
        }
        if (h.misses() < cfg.detection().missesBeforeSuspect()) {
            return;
        }
        if (suspicion == null || !suspicion.primary.equals(primary.id())) {
            suspicion = new Suspicion(primary.id(), h.firstFailNanos(), h.firstFailMillis());
            audit.record(Step.SUSPECT, "primary " + primary.id() + " suspected: " + h.misses() + " failed probes in a row ("
                    + last.reach() + ")", "firstFailure", Instant.ofEpochMilli(h.firstFailMillis()),
                    "lastOk", h.lastOk() == null ? "never" : Instant.ofEpochMilli(h.lastOk().timeMillis()));
        }
        suspicion.lastReach = last.reach();
        suspicion.sawTimeout |= last.reach() == Reach.TIMEOUT;
        if (!leader) {
            String who;
            try {
                who = leadership.leader().orElse("nobody");
            } catch (TopologyStoreException e) {
                who = "unknown (store unreachable)";
            }
            note("not-leader", Step.NOT_LEADER, "primary " + primary.id() + " suspected, but " + who + " leads: it decides");
            return;
        }
        List<ManagerView> views;
        try {
            views = fstore.views();
        } catch (TopologyStoreException e) {
            note("views", Step.ERROR, "cannot read the other managers' views: " + e.getMessage());
            return;
        }
        List<Confirmation.ReplicaEvidence> evidence = new ArrayList<>();
        for (Endpoint r : topology.replicas()) {
            NodeHistory rh = histories.get(r.id());
            if (rh == null) {
                continue;
            }
            NodeSample rs = rh.last();
            boolean frozen = suspicion.freezing != null && suspicion.freezing.containsKey(r.id())
                    && !suspicion.stoppedByHand.getOrDefault(r.id(), false);
            evidence.add(new Confirmation.ReplicaEvidence(r.id(), rs != null && rs.ok(), rs == null ? "not probed" : rs.reach() + " " + rs.error(),
                    rs == null ? null : rs.replica(), rh.progressAfterNanos(), rh.progressSeenNanos(), frozen));
        }
        Duration freshness = cfg.detection().probeInterval().multipliedBy(3).plus(cfg.detection().readTimeout()).plusSeconds(1);
        Confirmation.Verdict v = Confirmation.evaluate(suspicion.firstFailNanos, suspicion.firstFailMillis, now, nowMs,
                primary.id(), primaryServerId(primary.id()), evidence, views, cfg.manager().id(),
                cfg.detection().replicaSilence(), freshness, cfg.detection().minConfirmations());
        switch (v.kind()) {
            case ALIVE -> noteSig("confirm", Step.CONFIRM_ALIVE, deciders(v, Confirmation.Kind.ALIVE), "primary " + primary.id()
                    + " is unreachable from this manager (" + last.reach() + ") but confirmed alive by other vantage points:"
                    + " not failing over. " + v.summary(), votes(v));
            case WAIT -> noteSig("confirm", Step.CONFIRM_WAIT, deciders(v, Confirmation.Kind.WAIT), "primary " + primary.id()
                    + " suspected; waiting for: " + v.summary(), votes(v));
            case UNCONFIRMED -> noteSig("confirm", Step.UNCONFIRMED, deciders(v, Confirmation.Kind.DOWN), "primary " + primary.id()
                    + " unreachable from this manager, but too few other vantage points can confirm (need "
                    + cfg.detection().minConfirmations() + "): not failing over. " + v.summary(), votes(v));
            case DOWN -> {
                noteSig("confirm", Step.CONFIRM_DOWN, deciders(v, Confirmation.Kind.DOWN), "primary " + primary.id()
                        + " confirmed down: " + v.summary(), votes(v));
                if (suspicion.confirmedNanos == Long.MIN_VALUE) {
                    suspicion.confirmedNanos = clock.nanoTime();
                }
                if (now >= suspicion.retryAfterNanos) {
                    failover(primary, v, now, nowMs);
                }
            }
        }
    }

    private static Map<String, String> votes(Confirmation.Verdict v) {
        Map<String, String> m = new LinkedHashMap<>();
        for (Confirmation.Vote vote : v.votes()) {
            m.put(vote.who(), (vote.kind() == null ? "abstains" : vote.kind().name().toLowerCase()) + ": " + vote.why());
        }
        return m;
    }

    private long primaryServerId(String primary) {
        NodeHistory h = histories.get(primary);
        if (h != null && h.serverId() >= 0) {
            return h.serverId();
        }
        Map<Long, Integer> seen = new HashMap<>();
        for (NodeHistory r : histories.values()) {
            NodeSample s = r.lastOk();
            if (s != null && s.replica() != null && s.replica().masterServerId() > 0) {
                seen.merge(s.replica().masterServerId(), 1, Integer::sum);
            }
        }
        return seen.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(-1L);
    }

    private void clearSuspicion() {
        suspicion = null;
        for (String k : List.of("confirm", "not-leader", "lease", "refused", "unfreeze")) {
            notes.remove(k);
        }
    }

    /** After a refusal that needed the replicas frozen, wait a little before trying again (no stop/start churn). */
    private void backOff() {
        if (suspicion != null) {
            suspicion.retryAfterNanos = clock.nanoTime() + Math.max(cfg.detection().probeInterval().toNanos() * 2, 1_000_000_000L);
        }
    }

    /** Records a step once per distinct message under {@code key} (decisions repeat every round). */
    private void note(String key, Step step, String message, Object... details) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < details.length; i += 2) {
            m.put(String.valueOf(details[i]), String.valueOf(details[i + 1]));
        }
        noteSig(key, step, message, message, m);
    }

    private void note(String key, Step step, String message, Map<String, String> details) {
        noteSig(key, step, message, message, details);
    }

    /**
     * Records a step once per distinct {@code signature} under {@code key}: a condition that persists round after
     * round (with changing millisecond figures in its message) is audited once, and again when it changes.
     */
    private void noteSig(String key, Step step, String signature, String message, Map<String, String> details) {
        String sig = step + "|" + signature;
        if (sig.equals(notes.get(key))) {
            return;
        }
        notes.put(key, sig);
        audit.record(step, message, details);
    }

    private static String deciders(Confirmation.Verdict v, Confirmation.Kind k) {
        return v.kind() + ":" + v.of(k).stream().map(Confirmation.Vote::who).sorted().collect(Collectors.joining(","));
    }

    // =================================================================== failover

    private void failover(Endpoint primary, Confirmation.Verdict verdict, long now, long nowMs) {
        Suspicion sus = suspicion;
        // Anti-flapping: the store holds the last failover, so a new leader respects it too.
        Optional<FailoverRecord> last;
        try {
            last = fstore.lastFailover();
        } catch (TopologyStoreException e) {
            note("refused", Step.REFUSED, "cannot read the last failover from the store (" + e.getMessage() + "): not failing over");
            return;
        }
        if (last.isPresent() && nowMs - last.get().timeMillis() < cfg.failover().antiFlapWindow().toMillis()) {
            FailoverRecord r = last.get();
            note("refused", Step.REFUSED, "anti-flapping: the last automatic failover (" + r.from() + " -> " + r.to()
                    + ", epoch " + r.epoch() + ") was at " + Instant.ofEpochMilli(r.timeMillis()) + ", within the window of "
                    + Durations.format(cfg.failover().antiFlapWindow()) + "; not failing over again before "
                    + Instant.ofEpochMilli(r.timeMillis() + cfg.failover().antiFlapWindow().toMillis())
                    + ". An operator may switch over by hand.");
            return;
        }
        // Lease: a primary that timed out may be alive in a partition with clients still writing to it.
        if (sus.sawTimeout) {
            long lastAlive = lastAliveMillis(primary.id());
            long until = lastAlive + cfg.failover().islandBound().toMillis();
            if (nowMs < until) {
                noteSig("lease", Step.LEASE_WAIT, "until " + until, "primary " + primary.id() + " timed out (not refused): it may be alive in a"
                        + " partition. Its zone's clients must have fenced themselves by " + Instant.ofEpochMilli(until)
                        + " = last sign of life " + Instant.ofEpochMilli(lastAlive) + " + island bound "
                        + Durations.format(cfg.failover().islandBound()) + " (store session " + Durations.format(cfg.store().sessionTimeout())
                        + " + double check " + Durations.format(cfg.failover().clientDoubleCheck()) + "); promoting no earlier",
                        Map.of("lastAlive", Instant.ofEpochMilli(lastAlive).toString(), "promoteAfter", Instant.ofEpochMilli(until).toString()));
                if (leadership.isLeader()) {
                    // Stopping an IO thread stuck on a silent link takes seconds (measured ~2 s): do it while waiting.
                    startFreeze(sus, topology.replicas());
                }
                return;
            }
        }
        long confirmedNanos = clock.nanoTime();
        if (!leadership.isLeader()) {
            return;
        }
        List<Endpoint> replicas = topology.replicas();
        // A refusal that the current probes already show needs no freezing (and no stop/start churn every round).
        Chooser.Outcome pre = Chooser.choose(primaryFacts(primary), replicaFacts(replicas, samples), sus.firstFailNanos, cfg.failover());
        if (pre instanceof Chooser.Refusal refusal) {
            note("refused", Step.REFUSED, "not failing over from " + primary.id() + ": " + refusal.reason(), refusal.excluded());
            return;
        }
        // Freeze: no replica may take anything more from the old primary while positions are compared.
        startFreeze(sus, replicas);
        Map<String, Boolean> stoppedByHand = sus.stoppedByHand;
        List<String> frozen = awaitFreeze(sus);
        audit.record(Step.FREEZE, "stopped the IO threads of " + frozen + " so that positions hold still while they are compared");
        // Fresh look at the replicas, positions frozen.
        // A fresh look at the replicas that answered (an unreachable one would only cost a connect timeout).
        Map<String, NodeSample> merged = new HashMap<>(samples);
        merged.putAll(sampleAll(clock.currentTimeMillis(), replicas.stream().map(Endpoint::id)
                .filter(id -> samples.get(id) != null && samples.get(id).ok())
                .collect(Collectors.toCollection(java.util.LinkedHashSet::new))));
        samples = merged;
        Map<String, NodeSample> fresh = merged;

        Chooser.Outcome outcome = Chooser.choose(primaryFacts(primary), replicaFacts(replicas, fresh), sus.firstFailNanos, cfg.failover());
        if (outcome instanceof Chooser.Refusal refusal) {
            note("refused", Step.REFUSED, "not failing over from " + primary.id() + ": " + refusal.reason(), refusal.excluded());
            unfreeze(frozen, stoppedByHand);
            backOff();
            return;
        }
        Chooser.Choice choice = (Chooser.Choice) outcome;
        Map<String, String> chosenDetails = new LinkedHashMap<>();
        chosenDetails.put("candidate", choice.candidate());
        chosenDetails.put("received", choice.received().toString());
        choice.excluded().forEach((k, v) -> chosenDetails.put("excluded " + k, v));
        choice.quarantine().forEach((k, v) -> chosenDetails.put("quarantine " + k, v));
        choice.warnings().forEach(w -> chosenDetails.put("warning", w));
        audit.record(Step.CHOSEN, "promoting " + choice.candidate() + ": it has every transaction any reachable replica received ("
                + choice.received() + ")", chosenDetails);

        NodeClient cand = clients.get(choice.candidate());
        long t0 = clock.nanoTime();
        try {
            String r = cand.query(cfg.failover().catchUpTimeout(), Sql.masterGtidWait(choice.received(), cfg.failover().catchUpTimeout()));
            if (!"0".equals(r)) {
                note("refused", Step.REFUSED, "not failing over: " + choice.candidate() + " did not apply its relay log up to "
                        + choice.received() + " within catchUpTimeout " + Durations.format(cfg.failover().catchUpTimeout())
                        + " (MASTER_GTID_WAIT returned " + r + "); will try again");
                unfreeze(frozen, stoppedByHand);
                backOff();
                return;
            }
        } catch (SQLException e) {
            note("refused", Step.REFUSED, "not failing over: catch-up on " + choice.candidate() + " failed: " + NodeClient.describe(e));
            unfreeze(frozen, stoppedByHand);
            backOff();
            return;
        }
        audit.record(Step.CATCH_UP, choice.candidate() + " applied its relay log up to " + choice.received() + " in "
                + (clock.nanoTime() - t0) / 1_000_000 + " ms");
        if (!leadership.isLeader()) {
            audit.record(Step.FAILOVER_ABORTED, "lost leadership before promoting " + choice.candidate());
            unfreeze(frozen, stoppedByHand);
            return;
        }
        // With no replica left to follow it, waiting for an acknowledgement would hold the first commit for the
        // whole semi-sync timeout and then fall back to async anyway (no copy exists either way): the new primary
        // starts async, and the lossless check switches semi-sync on once an acknowledging replica is connected.
        boolean lossless = cfg.failover().lossless() != Lossless.OFF;
        boolean alone = choice.followers().isEmpty();
        boolean semi = lossless && !alone;
        try {
            cand.execute(ADMIN_TIMEOUT, Sql.promote(semi, cfg.failover().semiSyncTimeout()));
        } catch (SQLException e) {
            audit.record(Step.FAILOVER_ABORTED, "promoting " + choice.candidate() + " failed: " + NodeClient.describe(e));
            unfreeze(frozen, stoppedByHand);
            backOff();
            return;
        }
        audit.record(Step.PROMOTE, choice.candidate() + ": STOP SLAVE, RESET SLAVE ALL, semi-sync master "
                + (semi ? "ON (timeout " + Durations.format(cfg.failover().semiSyncTimeout()) + ")" : "OFF")
                + (lossless && alone ? " (no replica left to acknowledge: async until one connects)" : "")
                + "; still read-only");
        promoted = new Promoted(choice.candidate(), primary.id(), topology.epoch(), choice.followers(), choice.quarantine());
        repointFollowers(choice.candidate(), choice.followers(), choice.quarantine(), stoppedByHand);
        publishAndOpen(sus, confirmedNanos, verdict);
    }

    private void resumePublication() {
        Promoted p = promoted;
        NodeSample s = samples.get(p.candidate());
        if (s == null || !s.ok()) {
            note("resume", Step.ERROR, "promoted " + p.candidate() + " but could not publish it yet, and it is unreachable now");
            return;
        }
        publishAndOpen(suspicion, clock.nanoTime(), null);
    }

    private void publishAndOpen(Suspicion sus, long confirmedNanos, Confirmation.Verdict verdict) {
        Promoted p = promoted;
        ClusterTopology cur;
        try {
            cur = store.get(cfg.cluster()).orElseThrow(() -> new TopologyStoreException("the topology disappeared", null));
        } catch (TopologyStoreException e) {
            note("publish", Step.ERROR, "cannot read the topology to publish " + p.candidate() + " (will retry): " + e.getMessage());
            return;
        }
        if (cur.epoch() != p.expectedEpoch()) {
            audit.record(Step.FAILOVER_ABORTED, "the topology moved to epoch " + cur.epoch() + " (expected " + p.expectedEpoch()
                    + ") while promoting " + p.candidate() + ": another manager published first; " + p.candidate()
                    + " stays read-only", "primaryNow", cur.primary().map(Endpoint::id).orElse("none"));
            promoted = null;
            topology = cur;
            clearSuspicion();
            return;
        }
        List<Endpoint> eps = new ArrayList<>();
        for (Endpoint e : cur.endpoints()) {
            if (e.id().equals(p.candidate())) {
                eps.add(e.withRole(Endpoint.Role.PRIMARY).withState(Endpoint.State.UP));
            } else if (e.id().equals(p.oldPrimary())) {
                eps.add(e.withState(Endpoint.State.FENCED));
            } else if (p.quarantine().containsKey(e.id())) {
                eps.add(e.withState(Endpoint.State.QUARANTINED));
            } else {
                eps.add(e);
            }
        }
        ClusterTopology next = cur.successor(eps);
        if (!leadership.isLeader()) {
            audit.record(Step.FAILOVER_ABORTED, "lost leadership before publishing " + p.candidate() + "; it stays read-only");
            return;
        }
        boolean won;
        try {
            won = store.compareAndSet(cfg.cluster(), cur.epoch(), next);
        } catch (TopologyStoreException e) {
            note("publish", Step.ERROR, "cannot publish " + p.candidate() + " (will retry): " + e.getMessage());
            return;
        }
        if (!won) {
            audit.record(Step.FAILOVER_ABORTED, "lost the publication race at epoch " + cur.epoch() + "; " + p.candidate()
                    + " stays read-only");
            promoted = null;
            return;
        }
        long publishedNanos = clock.nanoTime();
        audit.record(Step.PUBLISH, "published epoch " + next.epoch() + ": " + p.candidate() + " primary, " + p.oldPrimary()
                + " fenced", "epoch", next.epoch(), "endpoints", describe(next));
        topology = next;
        promoted = null;
        try {
            clients.get(p.candidate()).execute(ADMIN_TIMEOUT, List.of("SET GLOBAL read_only=OFF"));
        } catch (SQLException e) {
            audit.record(Step.ERROR, "published " + p.candidate() + " but cannot open it for writes (will retry): " + NodeClient.describe(e));
        }
        long openNanos = clock.nanoTime();
        long openMillis = clock.currentTimeMillis();
        audit.record(Step.OPEN, p.candidate() + " takes writes (read_only=OFF)");
        try {
            fstore.recordFailover(new FailoverRecord(next.epoch(), openMillis, p.oldPrimary(), p.candidate(), cfg.manager().id()));
        } catch (TopologyStoreException e) {
            audit.record(Step.ERROR, "cannot record the failover for anti-flapping: " + e.getMessage());
        }
        Map<String, String> timing = new LinkedHashMap<>();
        if (sus != null) {
            long confirmed = sus.confirmedNanos == Long.MIN_VALUE ? confirmedNanos : sus.confirmedNanos;
            timing.put("firstFailedProbe", Instant.ofEpochMilli(sus.firstFailMillis).toString());
            timing.put("confirmMs", Long.toString((confirmed - sus.firstFailNanos) / 1_000_000));
            if (sus.sawTimeout) {
                timing.put("leaseWaitMs", Long.toString(Math.max(0, confirmedNanos - confirmed) / 1_000_000));
            }
            timing.put("failoverMs", Long.toString((openNanos - confirmedNanos) / 1_000_000));
            timing.put("firstFailureToWritableMs", Long.toString((openNanos - sus.firstFailNanos) / 1_000_000));
            NodeHistory oh = histories.get(p.oldPrimary());
            if (oh != null && oh.lastOk() != null) {
                timing.put("lastGoodProbeToWritableMs", Long.toString((openNanos - oh.lastOk().startNanos()) / 1_000_000));
            }
        }
        timing.put("publishToOpenMs", Long.toString((openNanos - publishedNanos) / 1_000_000));
        timing.put("epoch", Long.toString(next.epoch()));
        audit.record(Step.FAILOVER_DONE, "failover " + p.oldPrimary() + " -> " + p.candidate() + " done at epoch " + next.epoch()
                + (sus == null ? "" : " (" + timing.get("firstFailureToWritableMs") + " ms after the first failed probe)"), timing);
        clearSuspicion();
        histories.values().forEach(NodeHistory::resetFailures);
        lastLosslessNanos = Long.MIN_VALUE;
    }

    private void repointFollowers(String primary, List<String> followers, Map<String, String> quarantine,
                                  Map<String, Boolean> stoppedByHand) {
        Node pn = nodes.get(primary);
        Map<String, Future<?>> fs = new LinkedHashMap<>();
        boolean anyOtherZone = followers.stream().anyMatch(f -> !nodes.get(f).zone().equals(pn.zone()));
        for (String f : followers) {
            Node fn = nodes.get(f);
            boolean ack = ackFor(fn.zone(), pn.zone(), anyOtherZone);
            List<String> sql = new ArrayList<>(Sql.repoint(pn.addressFrom(fn.zone()), cfg.credentials().replicationUser(),
                    cfg.credentials().replicationPassword(), cfg.detection().heartbeatPeriod(), ack));
            boolean keepStopped = stoppedByHand.getOrDefault(f, false);
            if (keepStopped) {
                sql.removeLast(); // no START SLAVE: an operator stopped it
            }
            fs.put(f, io.submit(() -> {
                clients.get(f).execute(ADMIN_TIMEOUT, sql);
                return null;
            }));
        }
        for (Map.Entry<String, String> q : quarantine.entrySet()) {
            fs.put(q.getKey(), io.submit(() -> {
                clients.get(q.getKey()).execute(ADMIN_TIMEOUT, Sql.quarantine());
                return null;
            }));
        }
        fs.forEach((n, f) -> {
            Throwable err = await(f);
            if (quarantine.containsKey(n)) {
                audit.record(Step.QUARANTINE, n + " quarantined: " + quarantine.get(n) + (err == null ? "" : " (could not stop it: " + err + ")"));
            } else if (err == null) {
                audit.record(Step.REPOINT, n + " now replicates from " + primary + " (MASTER_USE_GTID=slave_pos)"
                        + (stoppedByHand.getOrDefault(n, false) ? "; left stopped, as an operator had stopped it" : ""));
            } else {
                audit.record(Step.ERROR, "cannot re-point " + n + " to " + primary + " (reconcile will retry): " + err);
            }
        });
    }

    private boolean ackFor(String replicaZone, String primaryZone, boolean anyOtherZone) {
        if (cfg.failover().lossless() == Lossless.OFF) {
            return true;
        }
        return cfg.failover().semiSyncAckers() == Ackers.ANY || !anyOtherZone || !replicaZone.equals(primaryZone);
    }

    /** Starts stopping the IO threads of the replicas that answered (once per suspicion). */
    private void startFreeze(Suspicion sus, List<Endpoint> replicas) {
        if (sus.freezing != null) {
            return;
        }
        sus.stoppedByHand = new HashMap<>();
        sus.freezing = new LinkedHashMap<>();
        for (Endpoint r : replicas) {
            NodeSample s = samples.get(r.id());
            if (s == null || !s.ok() || s.replica() == null) {
                continue;
            }
            ReplicaStatus rs = s.replica();
            sus.stoppedByHand.put(r.id(), "No".equalsIgnoreCase(rs.ioRunning()) && rs.lastIoErrno() == 0);
            sus.freezing.put(r.id(), io.submit(() -> {
                clients.get(r.id()).execute(ADMIN_TIMEOUT, List.of("STOP SLAVE IO_THREAD"));
                return null;
            }));
        }
    }

    /** Waits for the freeze; the replicas whose IO thread is stopped. */
    private List<String> awaitFreeze(Suspicion sus) {
        List<String> frozen = new ArrayList<>();
        sus.freezing.forEach((n, f) -> {
            if (await(f) == null) {
                frozen.add(n);
            }
        });
        return frozen;
    }

    private void unfreeze(List<String> frozen, Map<String, Boolean> stoppedByHand) {
        if (suspicion != null) {
            suspicion.freezing = null; // a later attempt freezes again
        }
        List<String> restarted = new ArrayList<>();
        for (String n : frozen) {
            if (stoppedByHand.getOrDefault(n, false)) {
                continue;
            }
            try {
                clients.get(n).execute(ADMIN_TIMEOUT, List.of("START SLAVE IO_THREAD"));
                restarted.add(n);
            } catch (SQLException e) {
                audit.record(Step.ERROR, "cannot restart the IO thread of " + n + ": " + NodeClient.describe(e));
            }
        }
        if (!restarted.isEmpty()) {
            note("unfreeze", Step.UNFREEZE, "restarted the IO threads of " + restarted + " (no failover)");
        }
    }

    private long lastAliveMillis(String primary) {
        long t = 0;
        NodeHistory h = histories.get(primary);
        if (h.lastOk() != null) {
            t = h.lastOk().timeMillis();
        }
        try {
            for (ManagerView v : fstore.views()) {
                if (primary.equals(v.primary())) {
                    t = Math.max(t, v.lastOkMillis());
                }
            }
        } catch (TopologyStoreException e) {
            // the leader's own evidence is all there is
        }
        long psid = primaryServerId(primary);
        for (Endpoint r : topology.replicas()) {
            NodeHistory rh = histories.get(r.id());
            NodeSample s = rh == null ? null : rh.lastOk();
            if (s != null && s.replica() != null && s.replica().masterServerId() == psid && rh.progressSeenNanos() != Long.MIN_VALUE) {
                t = Math.max(t, rh.progressSeenMillis());
            }
        }
        return t == 0 ? clock.currentTimeMillis() : t;
    }

    private Chooser.PrimaryFacts primaryFacts(Endpoint primary) {
        NodeHistory h = histories.get(primary.id());
        GtidPosition reference = null;
        long refMillis = 0;
        GtidPosition state = GtidPosition.EMPTY;
        if (h.lastOk() != null) {
            state = h.lastOk().variables().gtidBinlogState();
            NodeHistory.Position pos = h.positionAtOrBefore(h.lastOk().startNanos() - cfg.failover().maxPromotionLag().toNanos());
            if (pos != null) {
                reference = pos.binlogPos();
                refMillis = pos.timeMillis();
            }
        }
        return new Chooser.PrimaryFacts(primary.id(), primary.zone(), primaryServerId(primary.id()),
                suspicion != null && suspicion.sawTimeout ? Reach.TIMEOUT : Reach.DEAD, reference, refMillis, state);
    }

    private List<Chooser.ReplicaFacts> replicaFacts(List<Endpoint> replicas, Map<String, NodeSample> fresh) {
        List<Chooser.ReplicaFacts> out = new ArrayList<>();
        for (Endpoint r : replicas) {
            NodeHistory h = histories.get(r.id());
            NodeSample s = fresh.get(r.id());
            Node n = nodes.get(r.id());
            Candidate c = n == null ? Candidate.NO : n.candidate();
            boolean reachable = s != null && s.ok();
            out.add(new Chooser.ReplicaFacts(r.id(), r.zone(), c, reachable, s == null ? "not probed" : s.reach() + " " + s.error(),
                    reachable ? s.variables() : null, reachable ? s.replica() : null,
                    h == null ? -1 : h.brokenSinceNanos(), h == null ? 0 : h.brokenSinceMillis(), h == null ? "" : h.brokenWhy(),
                    h == null ? null : h.healthyLagSeconds(), h != null && h.semiSyncAcker()));
        }
        return out;
    }

    // =================================================================== switchover

    private void failPendingTasks() {
        Task t;
        while ((t = tasks.poll()) != null) {
            String who;
            try {
                who = leadership.leader().orElse("nobody");
            } catch (TopologyStoreException e) {
                who = "unknown";
            }
            t.result().complete(new SwitchoverResult(t.requestId(), false, "this manager does not lead (leader: " + who + ")",
                    "", t.target(), topology == null ? -1 : topology.epoch(), 0, 0));
        }
    }

    private void runTasks() {
        Task t;
        while ((t = tasks.poll()) != null) {
            t.result().complete(switchoverNow(t.requestId(), t.target()));
        }
        Optional<FailoverStore.Claimable> pending;
        try {
            pending = fstore.pending();
        } catch (TopologyStoreException e) {
            return;
        }
        if (pending.isPresent() && fstore.claim(pending.get())) {
            FailoverStore.Request r = pending.get().request();
            audit.record(Step.SWITCHOVER_START, "switchover to " + r.target() + " requested by " + r.requestedBy() + " (request " + r.id() + ")");
            SwitchoverResult res = switchoverNow(r.id(), r.target());
            try {
                fstore.writeResult(res);
            } catch (TopologyStoreException e) {
                audit.record(Step.ERROR, "cannot store the switchover result: " + e.getMessage());
            }
        }
    }

    private SwitchoverResult switchoverNow(String requestId, String target) {
        long t0 = clock.nanoTime();
        Endpoint old = topology.primary().orElse(null);
        long epoch = topology.epoch();
        String from = old == null ? "" : old.id();
        String refusal = switchoverRefusal(old, target);
        if (refusal != null) {
            audit.record(Step.SWITCHOVER_FAILED, "switchover to " + target + " refused: " + refusal);
            return new SwitchoverResult(requestId, false, refusal, from, target, epoch, 0, 0);
        }
        audit.record(Step.SWITCHOVER_START, "switchover " + from + " -> " + target + " at epoch " + epoch);
        NodeClient oldC = clients.get(from);
        NodeClient newC = clients.get(target);
        Duration wait = cfg.failover().catchUpTimeout();
        try {
            // 1. Catch up while writes go on, so the fenced window is short.
            GtidPosition pos = GtidPosition.parse(oldC.query(ADMIN_TIMEOUT, "SELECT @@GLOBAL.gtid_binlog_pos"));
            String r = newC.query(wait, Sql.masterGtidWait(pos, wait));
            if (!"0".equals(r)) {
                String msg = target + " did not catch up to " + pos + " within " + Durations.format(wait) + " before fencing";
                audit.record(Step.SWITCHOVER_FAILED, "switchover refused: " + msg);
                return new SwitchoverResult(requestId, false, msg, from, target, epoch, 0, (clock.nanoTime() - t0) / 1_000_000);
            }
        } catch (SQLException e) {
            String msg = "cannot prepare the switchover: " + NodeClient.describe(e);
            audit.record(Step.SWITCHOVER_FAILED, msg);
            return new SwitchoverResult(requestId, false, msg, from, target, epoch, 0, (clock.nanoTime() - t0) / 1_000_000);
        }
        // 2. Fence the old primary: read_only, then kill its client sessions (semi-sync stays on: a session that
        // was waiting for an acknowledgement gets an error, never an OK for data the replicas lack).
        long fenceNanos = clock.nanoTime();
        GtidPosition finalPos;
        try {
            int killed = oldC.fence(ADMIN_TIMEOUT, false);
            finalPos = GtidPosition.parse(oldC.query(ADMIN_TIMEOUT, "SELECT @@GLOBAL.gtid_binlog_pos"));
            audit.record(Step.FENCE, from + " fenced: read_only=ON, " + killed + " client sessions killed; final position " + finalPos);
        } catch (SQLException e) {
            return rollback(requestId, from, target, epoch, t0, fenceNanos, "cannot fence " + from + ": " + NodeClient.describe(e));
        }
        // 3. The target must have exactly everything.
        try {
            String r = newC.query(wait, Sql.masterGtidWait(finalPos, wait));
            if (!"0".equals(r)) {
                return rollback(requestId, from, target, epoch, t0, fenceNanos, target + " did not reach " + finalPos + " within " + Durations.format(wait));
            }
            audit.record(Step.CATCH_UP, target + " applied everything up to " + finalPos);
            if (!leadership.isLeader()) {
                return rollback(requestId, from, target, epoch, t0, fenceNanos, "lost leadership");
            }
            // The old primary follows the target, so there is always someone to acknowledge.
            newC.execute(ADMIN_TIMEOUT, Sql.promote(cfg.failover().lossless() != Lossless.OFF, cfg.failover().semiSyncTimeout()));
            audit.record(Step.PROMOTE, target + ": STOP SLAVE, RESET SLAVE ALL, semi-sync master on; still read-only");
        } catch (SQLException e) {
            return rollback(requestId, from, target, epoch, t0, fenceNanos, "cannot promote " + target + ": " + NodeClient.describe(e));
        }
        // 4. The old primary and the other replicas follow the target, in the background: acknowledgers connect
        // while the topology is published and the target opened.
        Node tn = nodes.get(target);
        List<String> followers = topology.replicas().stream().map(Endpoint::id).filter(id -> !id.equals(target))
                .filter(id -> samples.get(id) != null && samples.get(id).ok()).toList();
        List<String> all = new ArrayList<>(followers);
        all.add(from);
        boolean anyOtherZone = all.stream().anyMatch(f -> !nodes.get(f).zone().equals(tn.zone()));
        Map<String, Future<?>> fs = new LinkedHashMap<>();
        fs.put(from, io.submit(() -> {
            Node on = nodes.get(from);
            oldC.execute(ADMIN_TIMEOUT, Sql.demote(tn.addressFrom(on.zone()), cfg.credentials().replicationUser(),
                    cfg.credentials().replicationPassword(), cfg.detection().heartbeatPeriod(), ackFor(on.zone(), tn.zone(), anyOtherZone)));
            return null;
        }));
        for (String f : followers) {
            Node fn = nodes.get(f);
            fs.put(f, io.submit(() -> {
                clients.get(f).execute(ADMIN_TIMEOUT, Sql.repoint(tn.addressFrom(fn.zone()), cfg.credentials().replicationUser(),
                        cfg.credentials().replicationPassword(), cfg.detection().heartbeatPeriod(), ackFor(fn.zone(), tn.zone(), anyOtherZone)));
                return null;
            }));
        }
        // 5. Publish: target primary, old primary a replica (it was fenced in the database, not lost).
        List<Endpoint> eps = new ArrayList<>();
        for (Endpoint e : topology.endpoints()) {
            if (e.id().equals(target)) {
                eps.add(e.withRole(Endpoint.Role.PRIMARY).withState(Endpoint.State.UP));
            } else if (e.id().equals(from)) {
                eps.add(e.withRole(Endpoint.Role.REPLICA).withState(Endpoint.State.UP));
            } else {
                eps.add(e);
            }
        }
        ClusterTopology next = topology.successor(eps);
        boolean won;
        try {
            won = store.compareAndSet(cfg.cluster(), epoch, next);
        } catch (TopologyStoreException e) {
            won = false;
            audit.record(Step.ERROR, "cannot publish the switchover: " + e.getMessage());
        }
        if (!won) {
            // The databases already follow the target; the old topology still names the old primary, which is
            // read-only: writes stay refused until an operator or the next leader settles it. Say so loudly.
            String msg = "could not publish epoch " + next.epoch() + " (the store changed or is unreachable): " + target
                    + " is promoted but read-only, " + from + " follows it; writes are refused until the topology is fixed";
            audit.record(Step.SWITCHOVER_FAILED, msg);
            return new SwitchoverResult(requestId, false, msg, from, target, epoch, 0, (clock.nanoTime() - t0) / 1_000_000);
        }
        topology = next;
        audit.record(Step.PUBLISH, "published epoch " + next.epoch() + ": " + target + " primary, " + from + " replica",
                "epoch", next.epoch(), "endpoints", describe(next));
        try {
            newC.execute(ADMIN_TIMEOUT, List.of("SET GLOBAL read_only=OFF"));
        } catch (SQLException e) {
            audit.record(Step.ERROR, "published " + target + " but cannot open it (reconcile will retry): " + NodeClient.describe(e));
        }
        long openNanos = clock.nanoTime();
        audit.record(Step.OPEN, target + " takes writes (read_only=OFF)");
        // The followers connected while the topology was published; their outcome is recorded now (the old
        // primary's demotion ends by switching its semi-sync master off, which takes up to a second).
        fs.forEach((n, f) -> {
            Throwable err = await(f);
            if (err != null) {
                audit.record(Step.ERROR, "cannot make " + n + " follow " + target + " (reconcile will retry): " + err);
            } else {
                audit.record(n.equals(from) ? Step.DEMOTE : Step.REPOINT, n + " now replicates from " + target
                        + (n.equals(from) ? " (MASTER_DEMOTE_TO_SLAVE=1)" : ""));
            }
        });
        long unavailable = (openNanos - fenceNanos) / 1_000_000;
        long total = (clock.nanoTime() - t0) / 1_000_000;
        audit.record(Step.SWITCHOVER_DONE, "switchover " + from + " -> " + target + " done at epoch " + next.epoch()
                + "; writes refused for " + unavailable + " ms", "unavailableMs", unavailable, "totalMs", total, "epoch", next.epoch());
        histories.values().forEach(NodeHistory::resetFailures);
        lastLosslessNanos = Long.MIN_VALUE;
        return new SwitchoverResult(requestId, true, "switched over to " + target, from, target, next.epoch(), unavailable, total);
    }

    private String switchoverRefusal(Endpoint old, String target) {
        if (old == null) {
            return "the topology has no primary";
        }
        if (target.equals(old.id())) {
            return target + " is already the primary";
        }
        Optional<Endpoint> te = topology.endpoint(target);
        if (te.isEmpty() || !nodes.containsKey(target)) {
            return target + " is not a node of " + cfg.cluster();
        }
        if (te.get().role() != Endpoint.Role.REPLICA || te.get().state() != Endpoint.State.UP) {
            return target + " is not an up replica (" + te.get().role() + ", " + te.get().state() + ")";
        }
        if (nodes.get(target).candidate() == Candidate.NO) {
            return target + " has candidate: false";
        }
        NodeSample ps = samples.get(old.id());
        if (ps == null || !ps.ok()) {
            return "the primary " + old.id() + " does not answer: that is a failover, not a switchover";
        }
        NodeSample ts = samples.get(target);
        if (ts == null || !ts.ok()) {
            return target + " does not answer";
        }
        ReplicaStatus rs = ts.replica();
        if (rs == null || !rs.healthy() || rs.masterServerId() != ps.variables().serverId()) {
            return target + " does not replicate healthily from " + old.id() + " (" + (rs == null ? "no replication" : rs.describe()) + ")";
        }
        // The target may be ahead of the primary's probe on the primary's own stream (probes race with writes).
        List<Gtid> errant = Chooser.errant(ts.variables().gtidBinlogState(), ps.variables().gtidBinlogState(),
                ps.variables().serverId());
        if (!errant.isEmpty()) {
            return target + " has errant transactions " + errant + " that " + old.id() + " does not have";
        }
        return null;
    }

    private SwitchoverResult rollback(String requestId, String from, String target, long epoch, long t0, long fenceNanos, String why) {
        String undo;
        try {
            clients.get(from).execute(ADMIN_TIMEOUT, List.of("SET GLOBAL read_only=OFF"));
            undo = from + " opened again";
        } catch (SQLException e) {
            undo = "could not open " + from + " again: " + NodeClient.describe(e);
        }
        long unavailable = (clock.nanoTime() - fenceNanos) / 1_000_000;
        audit.record(Step.SWITCHOVER_FAILED, "switchover to " + target + " rolled back: " + why + "; " + undo,
                "unavailableMs", unavailable);
        return new SwitchoverResult(requestId, false, why + "; " + undo, from, target, epoch, unavailable, (clock.nanoTime() - t0) / 1_000_000);
    }

    // =================================================================== reconcile

    private void reconcile() {
        Endpoint primary = topology.primary().orElse(null);
        if (primary == null) {
            return;
        }
        NodeSample ps = samples.get(primary.id());
        if (ps == null || !ps.ok()) {
            return;
        }
        // A fenced or quarantined node that answers: it must not take writes, and may come back.
        for (Endpoint e : topology.endpoints()) {
            NodeSample s = samples.get(e.id());
            if (s == null || !s.ok() || !e.isFenced()) {
                continue;
            }
            if (!s.variables().readOnly()) {
                try {
                    int killed = clients.get(e.id()).fence(ADMIN_TIMEOUT, true);
                    audit.record(Step.FENCE, e.id() + " is " + e.state().name().toLowerCase() + " but was writable: fenced it"
                            + " (read_only=ON, " + killed + " sessions killed, semi-sync master off)");
                } catch (SQLException ex) {
                    note("fence:" + e.id(), Step.ERROR, "cannot fence " + e.id() + ": " + NodeClient.describe(ex));
                    continue;
                }
            }
            if (e.state() == Endpoint.State.FENCED) {
                returning(e, s, primary, ps);
                return; // one topology change per round
            }
        }
        // The published primary came back read-only (restarted) and replicates from nobody: open it.
        if (ps.variables().readOnly() && ps.replica() == null) {
            try {
                List<String> sql = new ArrayList<>();
                if (cfg.failover().lossless() != Lossless.OFF) {
                    sql.addAll(Sql.semiSyncMaster(true, cfg.failover().semiSyncTimeout()));
                }
                sql.add("SET GLOBAL read_only=OFF");
                clients.get(primary.id()).execute(ADMIN_TIMEOUT, sql);
                audit.record(Step.RECONCILE, "the primary " + primary.id() + " was read-only and replicates from nobody"
                        + " (restarted?): opened it for writes");
            } catch (SQLException ex) {
                note("open", Step.ERROR, "cannot open the primary " + primary.id() + ": " + NodeClient.describe(ex));
            }
        } else if (ps.replica() != null) {
            note("primary-replicates", Step.ERROR, "the primary " + primary.id() + " has a replication connection ("
                    + ps.replica().describe() + "): left alone, fix by hand");
        }
        // Replicas that do not follow the primary (missed a failover, or were unreachable during one).
        for (Endpoint r : topology.replicas()) {
            NodeSample s = samples.get(r.id());
            if (s == null || !s.ok() || followsPrimary(r, s, primary, ps)) {
                continue;
            }
            List<Gtid> errant = s.variables().gtidBinlogState().missingFrom(ps.variables().gtidBinlogState());
            if (!errant.isEmpty()) {
                quarantine(r, "it has transactions " + errant + " that the primary " + primary.id() + " lacks: it cannot follow it");
                return;
            }
            Node rn = nodes.get(r.id());
            Node pn = nodes.get(primary.id());
            if (rn == null || pn == null) {
                continue;
            }
            boolean anyOther = topology.replicas().stream().anyMatch(x -> !x.zone().equals(primary.zone()));
            try {
                clients.get(r.id()).execute(ADMIN_TIMEOUT, Sql.repoint(pn.addressFrom(rn.zone()), cfg.credentials().replicationUser(),
                        cfg.credentials().replicationPassword(), cfg.detection().heartbeatPeriod(), ackFor(rn.zone(), pn.zone(), anyOther)));
                audit.record(Step.REPOINT, r.id() + " did not replicate from the primary " + primary.id() + " ("
                        + (s.replica() == null ? "no replication" : s.replica().masterHost() + ":" + s.replica().masterPort()) + "): re-pointed it");
            } catch (SQLException ex) {
                note("repoint:" + r.id(), Step.ERROR, "cannot re-point " + r.id() + ": " + NodeClient.describe(ex));
            }
        }
        losslessCheck();
    }

    private boolean followsPrimary(Endpoint r, NodeSample s, Endpoint primary, NodeSample ps) {
        ReplicaStatus rs = s.replica();
        if (rs == null) {
            return false;
        }
        if (rs.ioYes()) {
            return rs.masterServerId() == ps.variables().serverId();
        }
        Node rn = nodes.get(r.id());
        Node pn = nodes.get(primary.id());
        if (rn == null || pn == null) {
            return true;
        }
        HostPort expected = pn.addressFrom(rn.zone());
        return rs.masterPort() == expected.port() && sameHost(rs.masterHost(), expected.host());
    }

    private boolean sameHost(String a, String b) {
        if (a.equalsIgnoreCase(b)) {
            return true;
        }
        InetAddress x = resolve(a);
        InetAddress y = resolve(b);
        return x != null && x.equals(y);
    }

    private InetAddress resolve(String host) {
        return resolved.computeIfAbsent(host, h -> {
            try {
                return InetAddress.getByName(h);
            } catch (UnknownHostException e) {
                return null;
            }
        });
    }

    private void returning(Endpoint e, NodeSample s, Endpoint primary, NodeSample ps) {
        List<Gtid> errant = s.variables().gtidBinlogState().missingFrom(ps.variables().gtidBinlogState());
        if (!errant.isEmpty()) {
            quarantine(e, "returning old primary has transactions " + errant + " that the primary " + primary.id()
                    + " never received (acknowledged without a replica, or written after it was cut off): reconcile them by hand");
            return;
        }
        if (cfg.failover().rejoin() == Rejoin.QUARANTINE) {
            quarantine(e, "returning old primary; rejoin policy is quarantine");
            return;
        }
        Node on = nodes.get(e.id());
        Node pn = nodes.get(primary.id());
        boolean anyOther = !on.zone().equals(pn.zone()) || topology.replicas().stream().anyMatch(x -> !x.zone().equals(pn.zone()));
        try {
            clients.get(e.id()).execute(ADMIN_TIMEOUT, Sql.demote(pn.addressFrom(on.zone()), cfg.credentials().replicationUser(),
                    cfg.credentials().replicationPassword(), cfg.detection().heartbeatPeriod(), ackFor(on.zone(), pn.zone(), anyOther)));
        } catch (SQLException ex) {
            note("rejoin:" + e.id(), Step.ERROR, "cannot rejoin " + e.id() + ": " + NodeClient.describe(ex));
            return;
        }
        if (publishEndpoint(e.withRole(Endpoint.Role.REPLICA).withState(Endpoint.State.UP))) {
            audit.record(Step.REJOIN, e.id() + " came back without errant transactions: rejoined as a replica of " + primary.id()
                    + " (MASTER_DEMOTE_TO_SLAVE=1), epoch " + topology.epoch());
        }
    }

    private void quarantine(Endpoint e, String why) {
        try {
            clients.get(e.id()).execute(ADMIN_TIMEOUT, Sql.quarantine());
        } catch (SQLException ex) {
            note("quarantine:" + e.id(), Step.ERROR, "cannot quarantine " + e.id() + ": " + NodeClient.describe(ex));
            return;
        }
        Endpoint q = e.role() == Endpoint.Role.PRIMARY ? e.withRole(Endpoint.Role.REPLICA) : e;
        if (publishEndpoint(q.withState(Endpoint.State.QUARANTINED))) {
            audit.record(Step.QUARANTINE, e.id() + " quarantined (read-only, not replicating, receives nothing): " + why,
                    "epoch", topology.epoch());
        }
    }

    private boolean publishEndpoint(Endpoint changed) {
        try {
            ClusterTopology next = topology.successor(changed);
            if (store.compareAndSet(cfg.cluster(), topology.epoch(), next)) {
                topology = next;
                return true;
            }
            store.get(cfg.cluster()).ifPresent(t -> topology = t);
        } catch (TopologyStoreException ex) {
            note("publish", Step.ERROR, "cannot publish " + changed.id() + ": " + ex.getMessage());
        }
        return false;
    }

    private void losslessCheck() {
        long now = clock.nanoTime();
        if (topology.epoch() == losslessEpoch && now - lastLosslessNanos < LOSSLESS_EVERY_NANOS) {
            return;
        }
        losslessEpoch = topology.epoch();
        lastLosslessNanos = now;
        List<Finding> found = LosslessCheck.check(topology, samples, cfg);
        findings = found;
        Set<String> keys = new HashSet<>();
        for (Finding f : found) {
            keys.add(f.key());
            boolean fix = f.fixable() && (!f.lossless() || cfg.failover().lossless() == Lossless.ENFORCE);
            if (fix) {
                Long at = fixedAt.get(f.key());
                if (at != null && now - at < FIX_COOLDOWN_NANOS) {
                    continue;
                }
                try {
                    clients.get(f.node()).execute(ADMIN_TIMEOUT, f.fix());
                    fixedAt.put(f.key(), now);
                    audit.record(Step.LOSSLESS_ENFORCE, f.node() + ": " + f.message() + " -> fixed", "sql", String.join("; ", f.fix()));
                } catch (SQLException e) {
                    note("fix:" + f.key(), Step.ERROR, "cannot fix " + f.key() + ": " + NodeClient.describe(e));
                }
            } else if (!f.message().equals(reported.get(f.key()))) {
                reported.put(f.key(), f.message());
                audit.record(Step.LOSSLESS_WARN, f.toString(), "lossless", FailoverConfig.yamlName(cfg.failover().lossless()));
            }
        }
        reported.keySet().retainAll(keys);
        if (found.isEmpty() && !losslessOkReported) {
            losslessOkReported = true;
            audit.record(Step.LOSSLESS_OK, "lossless settings as required on every reachable node (GTID strict mode, log_slave_updates,"
                    + " AFTER_SYNC, semi-sync timeout " + Durations.format(cfg.failover().semiSyncTimeout()) + ", acknowledgers "
                    + FailoverConfig.yamlName(cfg.failover().semiSyncAckers()) + ")");
        } else if (!found.isEmpty()) {
            losslessOkReported = false;
        }
    }

    // =================================================================== helpers

    private static Throwable await(Future<?> f) {
        try {
            f.get(ADMIN_TIMEOUT.toMillis() * 3, TimeUnit.MILLISECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause() instanceof SQLException s ? new SQLException(NodeClient.describe(s), s) : e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e;
        } catch (java.util.concurrent.TimeoutException e) {
            return e;
        }
    }

    static String describe(ClusterTopology t) {
        return t.endpoints().stream().map(e -> e.id() + "=" + e.role().name().toLowerCase() + "/" + e.state().name().toLowerCase())
                .collect(Collectors.joining(", "));
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        wake();
        loop.interrupt();
        try {
            loop.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failPendingTasks();
        audit.record(Step.MANAGER_STOP, "manager " + cfg.manager().id() + " stops");
        leadership.close();
        view.close();
        storeWriter.shutdown();
        try {
            // Last audit tail and the removal of this manager's view.
            fstore.writeAuditTail(cfg.manager().id(), audit.tail(cfg.audit().storeTail()));
            storeWriter.awaitTermination(2, TimeUnit.SECONDS);
        } catch (RuntimeException | InterruptedException e) {
            // best effort
        }
        fstore.removeView(cfg.manager().id());
        clients.values().forEach(NodeClient::close);
        io.shutdownNow();
        store.close();
        curator.close();
    }
}
