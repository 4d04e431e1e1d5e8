package io.nines.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nines.core.Refusal;
import io.nines.core.StaleEpochException;
import io.nines.core.event.EventPublisher.Subscription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class TopologyViewTest {

    @Test
    void holdsTheHighestEpochAndIgnoresLowerOnes() throws Exception {
        TopologyView view = TopologyView.detached("orders-db");
        assertThat(view.current()).isEmpty();
        assertThat(view.epoch()).isEqualTo(-1);
        List<Long> seen = new CopyOnWriteArrayList<>();
        view.listen(t -> seen.add(t.epoch()));

        assertThat(view.offer(ClusterTopologyTest.orders(5))).isTrue();
        assertThat(view.offer(ClusterTopologyTest.orders(3))).isFalse();
        assertThat(view.offer(ClusterTopologyTest.orders(5))).isFalse(); // same snapshot again
        assertThat(view.epoch()).isEqualTo(5);
        assertThat(view.offer(ClusterTopologyTest.orders(6))).isTrue();
        assertThat(view.offer(ClusterTopologyTest.orders(4))).isFalse();
        assertThat(view.current()).contains(ClusterTopologyTest.orders(6));
        assertThat(seen).containsExactly(5L, 6L);
        assertThat(view.await(Duration.ZERO)).contains(ClusterTopologyTest.orders(6));

        // A late listener gets the current topology first.
        List<Long> late = new ArrayList<>();
        Subscription s = view.listen(t -> late.add(t.epoch()));
        assertThat(late).containsExactly(6L);
        s.close();
        view.offer(ClusterTopologyTest.orders(7));
        assertThat(late).containsExactly(6L);
        assertThat(seen).containsExactly(5L, 6L, 7L);
    }

    @Test
    void checkEpochRefusesOlderEpochs() {
        TopologyView view = TopologyView.detached("orders-db");
        view.checkEpoch(0); // nothing seen yet: nothing to refuse
        view.offer(ClusterTopologyTest.orders(5));
        view.checkEpoch(5);
        view.checkEpoch(6);
        assertThatThrownBy(() -> view.checkEpoch(4))
                .isInstanceOfSatisfying(StaleEpochException.class, e -> {
                    assertThat(e.refusal()).isEqualTo(Refusal.STALE_EPOCH);
                    assertThat(e.seenEpoch()).isEqualTo(4);
                    assertThat(e.currentEpoch()).isEqualTo(5);
                });
    }

    @Test
    void rejectsAnotherClustersTopology() {
        TopologyView view = TopologyView.detached("other");
        assertThatThrownBy(() -> view.offer(ClusterTopologyTest.orders(1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void concurrentOffersNeverMakeAListenerGoBack() throws Exception {
        TopologyView view = TopologyView.detached("orders-db");
        List<Long> seen = new CopyOnWriteArrayList<>();
        view.listen(t -> seen.add(t.epoch()));
        int threads = 4;
        int perThread = 500;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int offset = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    // Interleaved epochs, offered out of order across threads.
                    for (int i = 0; i < perThread; i++) {
                        view.offer(ClusterTopologyTest.orders((long) i * threads + offset));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        long max = (long) (perThread - 1) * threads + (threads - 1);
        assertThat(view.epoch()).isEqualTo(max);
        assertThat(seen).isNotEmpty().last().isEqualTo(max);
        for (int i = 1; i < seen.size(); i++) {
            assertThat(seen.get(i)).isGreaterThan(seen.get(i - 1));
        }
    }
}
