package io.nines.testkit.zookeeper;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.junit.jupiter.api.Test;

class EmbeddedZooKeeperTest {

    @Test
    void standaloneServerServesAndCleansUp() throws Exception {
        EmbeddedZooKeeper zk = EmbeddedZooKeeper.start();
        try (zk; CuratorFramework c = client(zk.connectString())) {
            c.create().forPath("/hello", "world".getBytes(UTF_8));
            assertThat(new String(c.getData().forPath("/hello"), UTF_8)).isEqualTo("world");
        }
        assertThatThrownBy(() -> new Socket(zk.address().getAddress(), zk.address().getPort()).close())
                .isInstanceOf(java.io.IOException.class);
    }

    @Test
    void ensembleWithoutNetworkIsOneZoneOnRealAddresses() throws Exception {
        try (ZooKeeperEnsemble zk = ZooKeeperEnsemble.builder().start()) {
            assertThat(zk.size()).isEqualTo(3);
            assertThat(zk.zone(2)).isEqualTo("local");
            assertThat(zk.network()).isNull();
            assertThat(zk.connectString("anywhere")).isEqualTo(zk.connectString());
            assertThat(zk.leader()).isPresent();
            try (CuratorFramework c = client(zk.connectString())) {
                c.create().forPath("/n", new byte[] {1});
                assertThat(c.checkExists().forPath("/n")).isNotNull();
            }
        }
    }

    @Test
    void builderRejectsBadSettingsBeforeStartingAnything() {
        assertThatThrownBy(() -> ZooKeeperEnsemble.builder().tickTime(Duration.ofMillis(100))
                .minSessionTimeout(Duration.ofMillis(150)).start())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minSessionTimeout");
        assertThatThrownBy(() -> ZooKeeperEnsemble.builder().node(" "))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ZooKeeperEnsemble.builder().syncLimit(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("syncLimit");
    }

    private static CuratorFramework client(String connectString) throws InterruptedException {
        CuratorFramework c = CuratorFrameworkFactory.builder().connectString(connectString)
                .sessionTimeoutMs(6_000).connectionTimeoutMs(3_000).retryPolicy(new RetryNTimes(3, 200)).build();
        c.start();
        assertThat(c.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
        return c;
    }
}
