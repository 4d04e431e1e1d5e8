package io.nines.cli.demo;

import io.nines.failover.AuditEntry;
import io.nines.failover.FailoverManager;
import io.nines.testkit.mariadb.MariaDbNode;
import io.nines.topology.ClusterTopology;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nines demo}: the seed's bank on an embedded stack. Clients in two zones move and deduct money
 * through nines-jdbc while the demo kills the primary, then cuts off the zone holding the new primary,
 * then heals; it ends with the numbers that matter: time to detect, time to writable, writes refused
 * in the island, acknowledged writes lost, money conserved, over-deductions.
 *
 * <p>The embedded stack ({@link BankStack}): a 3-node ZooKeeper ensemble over zones a, b and c (c is a witness),
 * MariaDB db1 (primary) and db2 in zone a, db3 in zone b, a failover manager per data zone, and every cross-zone
 * connection through a link the demo cuts. {@code NINES_DEMO_DEBUG=1} adds the primary's processlist, InnoDB and
 * semi-sync state and the clients' last errors to each progress line.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, subcommands = FailoverRoundsCommand.class,
        description = {"Run a bank workload on an embedded MariaDB + ZooKeeper stack in two zones,",
            "kill the primary, isolate the new primary's zone, heal, and report what survived."})
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--clients-per-zone", defaultValue = "2", description = "bank clients in each data zone (default ${DEFAULT-VALUE})")
    int clientsPerZone;

    @Option(names = "--phase", defaultValue = "8s", converter = DurationConverter.class,
            description = "how long each phase runs under load (default ${DEFAULT-VALUE})")
    Duration phase;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private PrintWriter out;
    private DemoSummary summary;
    private final DemoChart chart = new DemoChart();
    private long t0;
    private long t0Millis;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        t0 = System.nanoTime();
        t0Millis = System.currentTimeMillis();
        Path work = Files.createTempDirectory("nines-demo");
        Path log = Path.of(System.getProperty("java.io.tmpdir"), "nines-demo.log");
        say("Nines demo: a bank in two zones, a primary crash, then a network island.");
        if (DemoLogging.toFile(log)) {
            say("detailed log (servers, clients, managers): " + log);
        }
        try (BankStack stack = BankStack.start(work, this::say)) {
            return run(stack);
        } finally {
            deleteQuietly(work);
        }
    }

    private int run(BankStack stack) throws Exception {
        BankClient.Acks acks = new BankClient.Acks();
        BankClient.Fleet fleet = BankClient.Fleet.start(stack, clientsPerZone, acks);
        List<BankClient> clients = fleet.clients();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "demo-progress");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleAtFixedRate(() -> {
            try {
                progress(stack, clients);
            } catch (RuntimeException e) {
                say("  (progress line failed: " + e + ")"); // a thrown tick would cancel every later one
            }
        }, 1, 1, TimeUnit.SECONDS);
        for (FailoverManager m : stack.managers) {
            m.audit().listen(e -> {
                if (!e.step().startsWith("probe.")) {
                    say("  audit " + e.manager() + " " + e.step() + ": " + e.message());
                }
            });
        }
        try {
            phase("steady load", stack);

            // 1. Kill the primary process (a crash: SIGKILL).
            String first = stack.primaryName();
            long epochBefore = stack.epoch();
            long killedAt = System.currentTimeMillis();
            say("KILL primary " + first + " (SIGKILL)");
            chart.event((System.nanoTime() - t0) / 1e9, "kill " + first);
            stack.db.node(first).kill();
            ClusterTopology afterKill = stack.awaitTopology(t -> t.epoch() > epochBefore && t.primary().isPresent(),
                    Duration.ofSeconds(30));
            String second = afterKill.primary().orElseThrow().id();
            long writableAt = awaitWriteIn(clients, afterKill.epoch(), Duration.ofSeconds(30));
            long detectedAt = firstAuditAfter(stack, killedAt, "suspect");
            say("new primary " + second + " at epoch " + afterKill.epoch() + "; detected in " + (detectedAt - killedAt)
                    + " ms, writable in " + (writableAt - killedAt) + " ms");
            phase("after failover", stack);

            // 2. Cut off the zone that now holds the primary: clients there must refuse, the other zone fails over.
            String island = stack.db.node(second).zone();
            long refusedBefore = refused(clients);
            long epochIsland = stack.epoch();
            say("PARTITION zone " + island + " (holds primary " + second + "): blackhole to every other zone");
            long cutAt = System.currentTimeMillis();
            say(String.format("  (cut at %.3fs)", (cutAt - t0Millis) / 1000.0));
            stack.net.partition(island);
            chart.event((System.nanoTime() - t0) / 1e9, "cut zone " + island);
            ClusterTopology afterCut = stack.awaitTopology(t -> t.epoch() > epochIsland && t.primary().isPresent(),
                    Duration.ofSeconds(60));
            String third = afterCut.primary().orElseThrow().id();
            long islandWritableAt = awaitWriteIn(clients, afterCut.epoch(), Duration.ofSeconds(30));
            say("zone " + island + " is an island; new primary " + third + " at epoch " + afterCut.epoch()
                    + ", writable in the other zone " + (islandWritableAt - cutAt) + " ms after the cut");
            phase("island", stack);
            long refusedInIsland = refused(clients) - refusedBefore;

            // 3. Heal.
            say("HEAL the network");
            stack.net.heal();
            chart.event((System.nanoTime() - t0) / 1e9, "heal");
            phase("healed", stack);
            fleet.stop();
            summary = summarize(stack, clients, acks, killedAt, detectedAt, writableAt, cutAt, islandWritableAt,
                    refusedInIsland, island, second);
            print(summary, stack);
            Path svg = Path.of(System.getProperty("java.io.tmpdir"), "nines-demo.svg");
            try {
                chart.write(svg, BankStack.DATA_ZONES);
                say("chart of the run: " + svg);
            } catch (java.io.IOException e) {
                say("could not write the chart " + svg + ": " + e.getMessage());
            }
            return summary.safe() ? 0 : 1;
        } finally {
            ticker.shutdownNow();
            fleet.stop();
        }
    }

    private DemoSummary summarize(BankStack stack, List<BankClient> clients, BankClient.Acks acks, long killedAt,
                                  long detectedAt, long writableAt, long cutAt, long islandWritableAt,
                                  long refusedInIsland, String island, String oldPrimary) throws Exception {
        MariaDbNode primary = stack.db.node(stack.primaryName());
        Set<String> present = new HashSet<>();
        try (Connection c = primary.connect("bank"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id FROM ledger")) {
            while (rs.next()) {
                present.add(rs.getString(1));
            }
        }
        List<DemoSummary.LostWrite> lost = new ArrayList<>();
        for (Map.Entry<String, BankClient.Ack> e : new TreeMap<>(acks.byId).entrySet()) {
            if (!present.contains(e.getKey())) {
                lost.add(new DemoSummary.LostWrite(e.getKey(), e.getValue(), nodesHolding(stack, e.getKey())));
            }
        }
        long firstRefusal = clients.stream().filter(c -> c.zone.equals(island)).mapToLong(c -> c.firstIslandRefusalMillis.get())
                .filter(t -> t >= cutAt).min().orElse(-1);
        String oldState = stack.topology().flatMap(t -> t.endpoint(oldPrimary))
                .map(e -> e.state() + " " + e.role()).orElse("absent");
        return new DemoSummary(detectedAt - killedAt, writableAt - killedAt, island,
                firstRefusal < 0 ? -1 : firstRefusal - cutAt, BankStack.SESSION.plus(BankStack.DOUBLE_CHECK).toMillis(),
                islandWritableAt - cutAt, refusedInIsland, acks.size(), List.copyOf(lost), BankStack.totals(primary),
                (long) BankStack.ACCOUNTS * BankStack.OPENING_BALANCE, stack.primaryName(), stack.epoch(), oldState);
    }

    private void print(DemoSummary s, BankStack stack) {
        say("");
        say("================ Nines demo summary ================");
        row("primary crash: time to detect", s.detectMillis() + " ms");
        row("primary crash: time to writable", s.writableMillis() + " ms");
        row("island (zone " + s.islandZone() + "): first guarded write refused",
                (s.firstIslandRefusalMillis() < 0 ? "never" : s.firstIslandRefusalMillis() + " ms")
                        + " after the cut (bound " + s.islandBoundMillis() + " ms)");
        row("island (zone " + s.islandZone() + "): writable elsewhere after", s.writableElsewhereMillis() + " ms");
        row("guarded writes refused in the island", String.valueOf(s.refusedInIsland()));
        row("acknowledged writes", String.valueOf(s.acknowledged()));
        row("acknowledged writes lost (must be 0)", String.valueOf(s.lost().size()));
        for (DemoSummary.LostWrite l : s.lost()) {
            BankClient.Ack a = l.ack();
            out.printf("    lost: %s %s of %d by %s, acknowledged at epoch %d, %.3fs into the demo (started %.3fs,"
                            + " committing from %.3fs); on %s%n", l.id(), a.kind(), a.amount(), a.client(), a.epoch(),
                    (a.atMillis() - t0Millis) / 1000.0, (a.startMillis() - t0Millis) / 1000.0,
                    (a.commitMillis() - t0Millis) / 1000.0, l.heldBy());
        }
        BankStack.Totals t = s.totals();
        row("money conserved (must hold)", (s.conserved() ? "yes" : "NO") + " (opening " + s.opening() + " + deposited "
                + t.deposited() + " - debited " + t.debited() + " = balances " + t.balances() + ")");
        row("over-deductions (must be 0)", String.valueOf(s.overDeductions()));
        row("final primary / epoch", s.finalPrimary() + " / " + s.finalEpoch());
        row("old primary after the heal", s.oldPrimaryState());
        for (FailoverManager m : stack.managers) {
            row("manager " + m.id(), (m.isLeader() ? "leader" : "standby") + ", audit entries: "
                    + m.audit().entries().size());
        }
        say(s.safe() ? "RESULT: safe (nothing acknowledged was lost, money conserved, no over-deduction)"
                : "RESULT: UNSAFE");
    }

    /** The last run's summary (for tests), or null. */
    DemoSummary summary() {
        return summary;
    }

    /** Which running nodes hold a ledger row: where a lost write went. */
    private static List<String> nodesHolding(BankStack stack, String ledgerId) {
        List<String> on = new ArrayList<>();
        for (MariaDbNode n : stack.db.nodes()) {
            if (!n.isRunning()) {
                continue;
            }
            try (Connection c = n.connect("bank");
                 var ps = c.prepareStatement("SELECT 1 FROM ledger WHERE id = ?")) {
                ps.setString(1, ledgerId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        on.add(n.name());
                    }
                }
            } catch (java.sql.SQLException e) {
                on.add(n.name() + "?(" + e.getMessage() + ")");
            }
        }
        return on;
    }

    private void row(String what, String value) {
        out.printf("  %-44s %s%n", what, value);
        out.flush();
    }

    private static long refused(List<BankClient> clients) {
        return clients.stream().mapToLong(c -> c.refusedIsland.get()).sum();
    }

    /** Wall-clock ms of the first acknowledged write at {@code epoch} or later by any client. */
    static long awaitWriteIn(List<BankClient> clients, long epoch, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            long first = Long.MAX_VALUE;
            for (BankClient c : clients) {
                if (c.lastOkEpoch.get() >= epoch) {
                    first = Math.min(first, c.lastOkMillis.get());
                }
            }
            if (first != Long.MAX_VALUE) {
                return first;
            }
            Thread.sleep(20);
        }
        throw new java.util.concurrent.TimeoutException("no write acknowledged at epoch " + epoch + " within " + timeout);
    }

    static long firstAuditAfter(BankStack stack, long sinceMillis, String step) {
        long first = Long.MAX_VALUE;
        for (FailoverManager m : stack.managers) {
            for (AuditEntry e : m.audit().entries()) {
                if (e.step().equals(step) && e.timeMillis() >= sinceMillis) {
                    first = Math.min(first, e.timeMillis());
                }
            }
        }
        return first == Long.MAX_VALUE ? sinceMillis : first;
    }

    private void phase(String name, BankStack stack) throws InterruptedException {
        say("phase: " + name + " (" + phase.toSeconds() + " s)");
        Thread.sleep(phase.toMillis()); // the phase length under load is the point here, not a condition
    }

    private void progress(BankStack stack, List<BankClient> clients) {
        StringBuilder line = new StringBuilder();
        double now = (System.nanoTime() - t0) / 1e9;
        line.append(String.format("  [%5.1fs] primary %-4s epoch %-2d |", now, stack.primaryName(), stack.epoch()));
        Map<String, long[]> byZone = new java.util.HashMap<>();
        for (String zone : BankStack.DATA_ZONES) {
            long ok = 0, island = 0, failover = 0, err = 0;
            for (BankClient c : clients) {
                if (c.zone.equals(zone)) {
                    ok += c.ok.get();
                    island += c.refusedIsland.get();
                    failover += c.failover.get();
                    err += c.errors.get();
                }
            }
            line.append(String.format(" zone %s: ok %5d island-refused %4d failover %4d err %3d |", zone, ok, island,
                    failover, err));
            byZone.put(zone, new long[] {ok, island});
        }
        chart.sample(new DemoChart.Sample(now, byZone));
        if (System.getenv("NINES_DEMO_DEBUG") != null) {
            try (Connection c = stack.db.node(stack.primaryName()).connect("bank"); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT state, COUNT(*) FROM information_schema.processlist"
                         + " GROUP BY state")) {
                while (rs.next()) {
                    line.append(" [").append(rs.getString(1)).append(": ").append(rs.getInt(2)).append(']');
                }
                try (ResultSet t = st.executeQuery("SELECT COUNT(*), SUM(trx_state = 'LOCK WAIT') FROM information_schema.innodb_trx")) {
                    t.next();
                    line.append(" trx ").append(t.getInt(1)).append(" lockwait ").append(t.getInt(2));
                }
                line.append(" waitsessions ").append(stack.db.node(stack.primaryName()).globalStatus("Rpl_semi_sync_master_wait_sessions"));
                line.append(" semi-sync ").append(stack.db.node(stack.primaryName()).globalStatus("Rpl_semi_sync_master_status"))
                        .append(" clients ").append(stack.db.node(stack.primaryName()).globalStatus("Rpl_semi_sync_master_clients"));
            } catch (Exception e) {
                line.append(" debug: ").append(e);
            }
            for (BankClient c : clients) {
                String err = c.lastError;
                if (err != null) {
                    line.append("\n      ").append(c.name).append(" last error: ").append(err);
                    c.lastError = null;
                }
            }
        }
        out.println(line);
        out.flush();
    }

    private void say(String s) {
        out.printf("[%5.1fs] %s%n", (System.nanoTime() - t0) / 1e9, s);
        out.flush();
    }

    static void deleteQuietly(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException ignored) {
            // a temp dir left behind is harmless
        }
    }

    /** Parses {@code 8s}, {@code 500ms}, {@code 1m}. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String v) {
            String s = v.trim().toLowerCase();
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            }
            if (s.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)));
            }
            if (s.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
            }
            throw new CommandLine.TypeConversionException("'" + v + "' needs a unit: ms, s or m");
        }
    }
}
