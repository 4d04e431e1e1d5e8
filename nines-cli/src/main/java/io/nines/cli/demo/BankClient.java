package io.nines.cli.demo;

import io.nines.jdbc.FailoverInProgressException;
import io.nines.jdbc.IslandFencedSQLException;
import io.nines.jdbc.NinesDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One bank client: a loop of guarded transfers, balance deductions (payments leaving the bank) and
 * deposits (money coming in) through nines-jdbc. Deposits and deductions have the same size on average,
 * so the bank does not run dry during the demo. Every operation it reports as done is an acknowledged
 * write: its ledger id is recorded so that the demo can check afterwards that the final primary holds it.
 */
final class BankClient implements Runnable {

    /** One acknowledged write: what, by whom, at which epoch and when (wall-clock ms). */
    record Ack(String kind, long amount, String client, long epoch, long startMillis, long commitMillis, long atMillis) {
    }

    /** Acknowledged writes of every client, by ledger id. */
    static final class Acks {
        final Map<String, Ack> byId = new ConcurrentHashMap<>();

        long size() {
            return byId.size();
        }
    }

    /** Bank clients in every data zone, {@code perZone} each sharing their zone's data source, one thread each. */
    record Fleet(List<BankClient> clients, List<Thread> threads) {

        static Fleet start(BankStack stack, int perZone, Acks acks) throws Exception {
            List<BankClient> clients = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (String zone : BankStack.DATA_ZONES) {
                NinesDataSource ds = stack.client(zone, "client-" + zone);
                for (int i = 1; i <= perZone; i++) {
                    BankClient c = new BankClient(zone, "client-" + zone + i, ds, acks);
                    clients.add(c);
                    threads.add(Thread.ofPlatform().name(c.name).daemon().start(c));
                }
            }
            return new Fleet(List.copyOf(clients), List.copyOf(threads));
        }

        /** Stops every client and waits (bounded) for its current operation to end. */
        void stop() throws InterruptedException {
            for (BankClient c : clients) {
                c.stop();
            }
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(10));
            }
        }
    }

    final String zone;
    final String name;
    private final NinesDataSource ds;
    private final Acks acks;
    private volatile boolean running = true;

    final AtomicLong ok = new AtomicLong();
    final AtomicLong refusedIsland = new AtomicLong();
    /** Wall-clock ms of this client's first island refusal (0: none yet). */
    final AtomicLong firstIslandRefusalMillis = new AtomicLong();
    final AtomicLong failover = new AtomicLong();
    final AtomicLong insufficient = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    /** The last unexpected error, for {@code NINES_DEMO_DEBUG}. */
    volatile String lastError;
    /** Wall-clock ms of the last acknowledged write, and the epoch it was written in. */
    final AtomicLong lastOkMillis = new AtomicLong();
    final AtomicLong lastOkEpoch = new AtomicLong();

    BankClient(String zone, String name, NinesDataSource ds, Acks acks) {
        this.zone = zone;
        this.name = name;
        this.ds = ds;
        this.acks = acks;
    }

    void stop() {
        running = false;
    }

    @Override
    public void run() {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        while (running) {
            int a = 1 + rnd.nextInt(BankStack.ACCOUNTS);
            int b = 1 + rnd.nextInt(BankStack.ACCOUNTS);
            long amount = 1 + rnd.nextInt(20);
            String id = UUID.randomUUID().toString();
            try {
                boolean done;
                String what;
                long start = System.currentTimeMillis();
                int kind = rnd.nextInt(4);
                if (kind < 2 && a != b) {
                    what = "transfer";
                    done = ds.inGuardedTransaction(c -> transfer(c, id, a, b, amount));
                } else if (kind == 3) {
                    what = "deposit";
                    done = ds.inGuardedTransaction(c -> deposit(c, id, a, amount));
                } else {
                    what = "debit";
                    done = ds.inGuardedTransaction(c -> debit(c, id, a, amount));
                }
                if (done) {
                    acks.byId.put(id, new Ack(what, amount, name, ds.epoch(), start, workDoneMillis, System.currentTimeMillis()));
                }
                if (done) {
                    ok.incrementAndGet();
                    lastOkMillis.set(System.currentTimeMillis());
                    lastOkEpoch.set(ds.epoch());
                } else {
                    insufficient.incrementAndGet();
                }
            } catch (IslandFencedSQLException e) {
                refusedIsland.incrementAndGet();
                firstIslandRefusalMillis.compareAndSet(0, System.currentTimeMillis());
                pause(50); // an island refusal is immediate: a real front end would now go to another zone
            } catch (FailoverInProgressException e) {
                failover.incrementAndGet();
                pause(20);
            } catch (SQLException | RuntimeException e) {
                errors.incrementAndGet();
                lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
                pause(20);
            }
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis); // pacing the load generator after a refusal, not waiting for a condition
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Moves money between two accounts; false (rolled back) when the source lacks it. Rows are locked in id order,
     * as a bank's code would, so that two opposite transfers cannot deadlock.
     */
    private boolean transfer(Connection c, String id, int from, int to, long amount) throws SQLException {
        if (to < from) {
            credit(c, to, amount);
        }
        if (!withdraw(c, from, amount)) {
            c.rollback();
            return false;
        }
        if (to > from) {
            credit(c, to, amount);
        }
        ledger(c, id, "transfer", from, to, amount);
        return done(true);
    }

    /** Deducts money from an account (a payment leaving the bank); never below zero. */
    private boolean debit(Connection c, String id, int account, long amount) throws SQLException {
        if (!withdraw(c, account, amount)) {
            c.rollback();
            return false;
        }
        ledger(c, id, "debit", account, null, amount);
        return done(true);
    }

    /** Money coming into the bank: credits an account. */
    private boolean deposit(Connection c, String id, int account, long amount) throws SQLException {
        credit(c, account, amount);
        ledger(c, id, "deposit", account, null, amount);
        return done(true);
    }

    private static void credit(Connection c, int account, long amount) throws SQLException {
        try (PreparedStatement in = c.prepareStatement("UPDATE accounts SET balance = balance + ? WHERE id = ?")) {
            in.setLong(1, amount);
            in.setInt(2, account);
            in.executeUpdate();
        }
    }

    /** When the last transaction's work ended and its commit began (wall-clock ms). */
    private long workDoneMillis;

    private <T> T done(T result) {
        workDoneMillis = System.currentTimeMillis();
        return result;
    }

    private static boolean withdraw(Connection c, int account, long amount) throws SQLException {
        try (PreparedStatement out = c.prepareStatement(
                "UPDATE accounts SET balance = balance - ? WHERE id = ? AND balance >= ?")) {
            out.setLong(1, amount);
            out.setInt(2, account);
            out.setLong(3, amount);
            return out.executeUpdate() == 1;
        }
    }

    private void ledger(Connection c, String id, String kind, int account, Integer other, long amount)
            throws SQLException {
        try (PreparedStatement l = c.prepareStatement(
                "INSERT INTO ledger (id, kind, account, other, amount, zone) VALUES (?, ?, ?, ?, ?, ?)")) {
            l.setString(1, id);
            l.setString(2, kind);
            l.setInt(3, account);
            if (other == null) {
                l.setNull(4, java.sql.Types.INTEGER);
            } else {
                l.setInt(4, other);
            }
            l.setLong(5, amount);
            l.setString(6, zone);
            l.executeUpdate();
        }
    }
}
