package io.nines.proxy.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** TCP connect checks against real listening sockets that go away and come back. */
class HealthCheckedTargetsTest {

    private static final HealthCheck FAST = new HealthCheck(Duration.ofMillis(50), Duration.ofMillis(200), 2, 2);

    private static ServerSocket listen(int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        return s; // never accepts: the kernel completes handshakes from the backlog, which is all a check needs
    }

    @Test
    void anEndpointThatStopsListeningIsTakenOutAndComesBackWhenItListensAgain() throws Exception {
        ServerSocket a = listen(0);
        ServerSocket b = listen(0);
        InetSocketAddress aAt = (InetSocketAddress) a.getLocalSocketAddress();
        InetSocketAddress bAt = (InetSocketAddress) b.getLocalSocketAddress();
        try (HealthCheckedTargets targets = new HealthCheckedTargets("cache", List.of(aAt, bAt), FAST)) {
            assertThat(targets.current()).containsExactly(aAt, bAt);

            b.close();
            await().atMost(Duration.ofSeconds(5)).until(() -> !targets.isUp(bAt));
            assertThat(targets.current()).containsExactly(aAt);

            b = listen(bAt.getPort());
            await().atMost(Duration.ofSeconds(5)).until(() -> targets.isUp(bAt));
            assertThat(targets.current()).containsExactly(aAt, bAt);

            a.close();
            b.close();
            await().atMost(Duration.ofSeconds(5)).until(() -> !targets.isUp(aAt) && !targets.isUp(bAt));
            assertThat(targets.current()).as("all down: offer all rather than refuse everyone").containsExactly(aAt, bAt);
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void aBadCheckIsRefusedNamingTheField() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new HealthCheck(Duration.ofSeconds(1),
                Duration.ofMillis(500), 0, 3)).hasMessageContaining("rise");
    }
}
