package io.nines.topology.zookeeper;

import java.time.Duration;

/**
 * Settings of a {@link ZooKeeperTopologyStore}; built and validated by {@link ZooKeeperStoreBuilder}.
 *
 * @param connectString     ZooKeeper ensemble, {@code host:port[,host:port...]}
 * @param namespace         root znode; topologies live under {@code /<namespace>/topology/clusters/<name>},
 *                          elections under {@code /<namespace>/topology/leaders/<group>}
 * @param sessionTimeout    ZooKeeper session timeout: the lease. After this long suspended, the quorum signal
 *                          turns {@code LOST} and leadership is gone. Part of the island-declaration bound.
 * @param connectionTimeout how long one operation waits for a connection before failing
 * @param retryBaseSleep    first back-off between retries of a failed operation (exponential, bounded)
 * @param retryMaxSleep     longest back-off
 * @param maxRetries        retries of a failed operation before it throws
 */
public record ZooKeeperStoreConfig(String connectString, String namespace, Duration sessionTimeout,
                                   Duration connectionTimeout, Duration retryBaseSleep, Duration retryMaxSleep,
                                   int maxRetries) {

    public static final String DEFAULT_NAMESPACE = "nines";
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(6);
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(2);
}
