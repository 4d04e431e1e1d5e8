package io.nines.cli.demo;

import io.nines.testkit.mariadb.MariaDbNode;
import io.nines.topology.ClusterTopology;
import io.nines.topology.Endpoint;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nines demo rounds}: kills the primary again and again under the bank load, lets each killed server come
 * back and rejoin, and reports per round how long detection and the first acknowledged write on the new primary
 * took, and how many acknowledged writes went missing. {@code bench/failover.sh} runs it.
 */
@Command(name = "rounds", mixinStandardHelpOptions = true,
        description = {"Kill the primary N times under the bank load on the embedded stack (each killed server",
            "restarts and rejoins) and print detection time, time to writable and lost acknowledged writes."})
public final class FailoverRoundsCommand implements Callable<Integer> {

    @Option(names = "--rounds", defaultValue = "10", description = "kills (default ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--load", defaultValue = "4s", converter = DemoCommand.DurationConverter.class,
            description = "bank load before each kill; more than the managers' 5 s anti-flap window with the"
                    + " rejoin (default ${DEFAULT-VALUE})")
    Duration load;

    @Option(names = "--csv", description = "also write one line per round to this file")
    Path csv;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** One kill. */
    record Round(int number, String killed, String promoted, long epoch, long detectMillis, long writableMillis,
                 long rejoinMillis, String returned, long killedAtMillis, long lost) {
    }

    private PrintWriter out;
    private long t0;
    private final List<Round> done = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        t0 = System.nanoTime();
        Path work = Files.createTempDirectory("nines-rounds");
        Path log = Path.of(System.getProperty("java.io.tmpdir"), "nines-rounds.log");
        say("Nines failover rounds: " + rounds + " kills of the primary under the bank load");
        if (DemoLogging.toFile(log)) {
            say("detailed log: " + log);
        }
        try (BankStack stack = BankStack.start(work, this::say, "rejoin")) {
            return run(stack);
        } finally {
            DemoCommand.deleteQuietly(work);
        }
    }

    private int run(BankStack stack) throws Exception {
        BankClient.Acks acks = new BankClient.Acks();
        BankClient.Fleet fleet = BankClient.Fleet.start(stack, 2, acks);
        List<BankClient> clients = fleet.clients();
        List<Long> killTimes = new ArrayList<>();
        try {
            for (int r = 1; r <= rounds; r++) {
                Thread.sleep(load.toMillis()); // the load between kills is the point here, not a condition
                String primary = stack.primaryName();
                long epochBefore = stack.epoch();
                MariaDbNode victim = stack.db.node(primary);
                long killedAt = System.currentTimeMillis();
                killTimes.add(killedAt);
                victim.kill();
                ClusterTopology after = stack.awaitTopology(t -> t.epoch() > epochBefore && t.primary().isPresent(),
                        Duration.ofSeconds(30));
                long writableAt = DemoCommand.awaitWriteIn(clients, after.epoch(), Duration.ofSeconds(30));
                long detectedAt = DemoCommand.firstAuditAfter(stack, killedAt, "suspect");
                long restartAt = System.currentTimeMillis();
                victim.restart();
                ClusterTopology back = stack.awaitTopology(t -> t.endpoint(primary)
                        .map(e -> e.role() == Endpoint.Role.REPLICA && (e.isUp() || e.state() == Endpoint.State.QUARANTINED))
                        .orElse(false), Duration.ofSeconds(60));
                Endpoint returned = back.endpoint(primary).orElseThrow();
                Round round = new Round(r, primary, after.primary().orElseThrow().id(), after.epoch(),
                        detectedAt - killedAt, writableAt - killedAt, System.currentTimeMillis() - restartAt,
                        returned.state().name().toLowerCase(Locale.ROOT), killedAt, 0);
                done.add(round);
                say(String.format("round %2d: killed %s -> %s primary at epoch %d; detected %4d ms, writable %4d ms;"
                                + " %s back in %d ms (%s)", r, round.killed(), round.promoted(), round.epoch(),
                        round.detectMillis(), round.writableMillis(), primary, round.rejoinMillis(), round.returned()));
                if (returned.state() == Endpoint.State.QUARANTINED) {
                    say("  " + primary + " was quarantined (errant transactions from the crash): it stays out");
                    if (stack.topology().map(t -> t.replicas().stream().filter(Endpoint::isUp).count()).orElse(0L) == 0) {
                        say("no replica left to promote: stopping after " + r + " rounds");
                        break;
                    }
                }
            }
            Thread.sleep(load.toMillis());
        } finally {
            fleet.stop();
        }
        return report(stack, acks, killTimes);
    }

    private int report(BankStack stack, BankClient.Acks acks, List<Long> killTimes) throws Exception {
        Set<String> present = new HashSet<>();
        try (Connection c = stack.db.node(stack.primaryName()).connect("bank"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id FROM ledger")) {
            while (rs.next()) {
                present.add(rs.getString(1));
            }
        }
        long[] lostPerRound = new long[done.size()];
        long lostTotal = 0;
        for (var e : acks.byId.entrySet()) {
            if (!present.contains(e.getKey())) {
                lostTotal++;
                // A write is put on the round whose kill came last before its acknowledgement (round 1 before any).
                int round = 0;
                for (int i = 0; i < killTimes.size() && i < lostPerRound.length; i++) {
                    if (e.getValue().atMillis() >= killTimes.get(i)) {
                        round = i;
                    }
                }
                if (lostPerRound.length > 0) {
                    lostPerRound[round]++;
                }
            }
        }
        List<Round> rows = new ArrayList<>();
        for (int i = 0; i < done.size(); i++) {
            Round r = done.get(i);
            rows.add(new Round(r.number(), r.killed(), r.promoted(), r.epoch(), r.detectMillis(), r.writableMillis(),
                    r.rejoinMillis(), r.returned(), r.killedAtMillis(), lostPerRound[i]));
        }
        say("");
        say("================ failover rounds: " + rows.size() + " kills ================");
        out.printf("  %-34s %8s %8s%n", "", "p50", "max");
        out.printf("  %-34s %8d %8d%n", "detection (ms)", p50(rows, Round::detectMillis), max(rows, Round::detectMillis));
        out.printf("  %-34s %8d %8d%n", "time to writable (ms)", p50(rows, Round::writableMillis),
                max(rows, Round::writableMillis));
        out.printf("  %-34s %8d %8d%n", "lost acknowledged writes / round", p50(rows, Round::lost), max(rows, Round::lost));
        out.printf("  %-34s %8d %8d%n", "old primary back (ms)", p50(rows, Round::rejoinMillis), max(rows, Round::rejoinMillis));
        out.printf("  acknowledged writes %d, lost %d; rounds whose old primary was quarantined: %d%n", acks.size(),
                lostTotal, rows.stream().filter(r -> r.returned().equals("quarantined")).count());
        out.flush();
        if (csv != null) {
            List<String> lines = new ArrayList<>(List.of("round,killed,promoted,epoch,detect_ms,writable_ms,rejoin_ms,returned,lost"));
            for (Round r : rows) {
                lines.add(r.number() + "," + r.killed() + "," + r.promoted() + "," + r.epoch() + "," + r.detectMillis()
                        + "," + r.writableMillis() + "," + r.rejoinMillis() + "," + r.returned() + "," + r.lost());
            }
            Files.write(csv, lines);
        }
        return lostTotal == 0 && rows.size() == rounds ? 0 : 1;
    }

    /** The median (lower middle for an even count), or -1 for none. */
    static long p50(List<Round> rows, java.util.function.ToLongFunction<Round> f) {
        long[] v = rows.stream().mapToLong(f).sorted().toArray();
        return v.length == 0 ? -1 : v[(v.length - 1) / 2];
    }

    static long max(List<Round> rows, java.util.function.ToLongFunction<Round> f) {
        return Arrays.stream(rows.stream().mapToLong(f).toArray()).max().orElse(-1);
    }

    private void say(String s) {
        out.printf("[%5.1fs] %s%n", (System.nanoTime() - t0) / 1e9, s);
        out.flush();
    }
}
