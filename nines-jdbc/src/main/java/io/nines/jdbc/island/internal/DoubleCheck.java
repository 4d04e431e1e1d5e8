package io.nines.jdbc.island.internal;

import io.nines.jdbc.island.Peer;
import io.nines.jdbc.island.PeerProbe;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One double check: rounds of parallel probes of every peer until one answers or the budget is spent. Runs in
 * network time ({@link System#nanoTime()}): sockets time out in real time whatever clock the policy keeps.
 */
final class DoubleCheck {

    private static final Logger LOG = LoggerFactory.getLogger(DoubleCheck.class);
    /** Pause between rounds whose probes all failed fast (refused), so a round never spins. */
    static final long ROUND_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Slack for a probe thread to report after its own timeout. */
    private static final long GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private DoubleCheck() {
    }

    /** The first peer that answered, or {@code null} if none did within {@code budget}. */
    static Peer run(String guard, List<Peer> peers, PeerProbe probe, Duration budget, Duration probeTimeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + budget.toNanos();
        CompletableFuture<Peer> first = new CompletableFuture<>();
        int round = 0;
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            round++;
            Duration timeout = Duration.ofNanos(Math.min(probeTimeout.toNanos(), left));
            long roundStart = System.nanoTime();
            CompletableFuture<Void> roundDone = new CompletableFuture<>();
            AtomicInteger pending = new AtomicInteger(peers.size());
            for (Peer peer : peers) {
                Thread.ofVirtual().name("nines-island-probe " + guard + " " + peer).start(() -> {
                    try {
                        if (probe.answers(peer, timeout)) {
                            first.complete(peer);
                        }
                    } catch (RuntimeException e) {
                        LOG.debug("island guard {}: probe of {} failed", guard, peer, e);
                    } finally {
                        if (pending.decrementAndGet() == 0) {
                            roundDone.complete(null);
                        }
                    }
                });
            }
            long wait = Math.min(timeout.toNanos() + GRACE_NANOS, Math.max(0, deadline - System.nanoTime()));
            try {
                CompletableFuture.anyOf(first, roundDone).get(wait, TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // the round or the budget ran out; decided below
            }
            if (first.isDone()) {
                return first.getNow(null);
            }
            LOG.debug("island guard {}: double-check round {} got no answer from {}", guard, round, peers);
            long pause = ROUND_PAUSE_NANOS - (System.nanoTime() - roundStart);
            long remaining = deadline - System.nanoTime();
            if (pause > 0 && remaining > 0) {
                try {
                    // A late answer of this round still counts: wait on it rather than sleep.
                    return first.get(Math.min(pause, remaining), TimeUnit.NANOSECONDS);
                } catch (TimeoutException | ExecutionException e) {
                    // next round
                }
            }
        }
    }
}
