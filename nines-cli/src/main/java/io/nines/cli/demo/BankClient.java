package io.nines.cli.demo;

import io.nines.jdbc.FailoverInProgressException;
import io.nines.jdbc.IslandFencedSQLException;
import io.nines.jdbc.NinesDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One bank client: a loop of guarded transfers and guarded balance deductions through nines-jdbc.
 * Every operation it reports as done is an acknowledged write: its ledger id is recorded so that the
 * demo can check afterwards that the final primary holds it.
 */
final class BankClient implements Runnable {

    /** Acknowledged ledger ids of every client, with their amounts (debits only count for money). */
    static final class Acks {
        final Map<String, Long> debits = new ConcurrentHashMap<>();
        final Map<String, Long> transfers = new ConcurrentHashMap<>();
    }

    final String zone;
    final String name;
    private final NinesDataSource ds;
    private final Acks acks;
    private volatile boolean running = true;

    final AtomicLong ok = new AtomicLong();
    final AtomicLong refusedIsland = new AtomicLong();
    final AtomicLong failover = new AtomicLong();
    final AtomicLong insufficient = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
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
                if (rnd.nextBoolean() && a != b) {
                    done = ds.inGuardedTransaction(c -> transfer(c, id, a, b, amount));
                    if (done) {
                        acks.transfers.put(id, amount);
                    }
                } else {
                    done = ds.inGuardedTransaction(c -> debit(c, id, a, amount));
                    if (done) {
                        acks.debits.put(id, amount);
                    }
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
                pause(50); // an island refusal is immediate: a real front end would now go to another zone
            } catch (FailoverInProgressException e) {
                failover.incrementAndGet();
                pause(20);
            } catch (SQLException | RuntimeException e) {
                errors.incrementAndGet();
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

    /** Moves money between two accounts; false (rolled back) when the source lacks it. */
    private boolean transfer(Connection c, String id, int from, int to, long amount) throws SQLException {
        if (!withdraw(c, from, amount)) {
            c.rollback();
            return false;
        }
        try (PreparedStatement in = c.prepareStatement("UPDATE accounts SET balance = balance + ? WHERE id = ?")) {
            in.setLong(1, amount);
            in.setInt(2, to);
            in.executeUpdate();
        }
        ledger(c, id, "transfer", from, to, amount);
        return true;
    }

    /** Deducts money from an account (a payment leaving the bank); never below zero. */
    private boolean debit(Connection c, String id, int account, long amount) throws SQLException {
        if (!withdraw(c, account, amount)) {
            c.rollback();
            return false;
        }
        ledger(c, id, "debit", account, null, amount);
        return true;
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
