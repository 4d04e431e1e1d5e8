package io.nines.topology.zookeeper;

import io.nines.core.Clock;
import io.nines.core.InvalidConfigException;
import io.nines.topology.internal.Names;
import java.time.Duration;

/** Builds a {@link ZooKeeperTopologyStore}; {@link #config()} validates, naming the bad field. */
public final class ZooKeeperStoreBuilder {

    private static final String POLICY = "zookeeperStore";

    private final String connectString;
    private String namespace = ZooKeeperStoreConfig.DEFAULT_NAMESPACE;
    private Duration sessionTimeout = ZooKeeperStoreConfig.DEFAULT_SESSION_TIMEOUT;
    private Duration connectionTimeout = ZooKeeperStoreConfig.DEFAULT_CONNECTION_TIMEOUT;
    private Duration retryBaseSleep = Duration.ofMillis(100);
    private Duration retryMaxSleep = Duration.ofSeconds(1);
    private int maxRetries = 3;
    private Clock clock = Clock.system();

    ZooKeeperStoreBuilder(String connectString) {
        this.connectString = connectString;
    }

    public ZooKeeperStoreBuilder namespace(String namespace) {
        this.namespace = namespace;
        return this;
    }

    public ZooKeeperStoreBuilder sessionTimeout(Duration sessionTimeout) {
        this.sessionTimeout = sessionTimeout;
        return this;
    }

    public ZooKeeperStoreBuilder connectionTimeout(Duration connectionTimeout) {
        this.connectionTimeout = connectionTimeout;
        return this;
    }

    /** Bounded exponential back-off of operation retries. */
    public ZooKeeperStoreBuilder retry(Duration baseSleep, Duration maxSleep, int maxRetries) {
        this.retryBaseSleep = baseSleep;
        this.retryMaxSleep = maxSleep;
        this.maxRetries = maxRetries;
        return this;
    }

    /** Time source of the quorum signal and of events. */
    public ZooKeeperStoreBuilder clock(Clock clock) {
        this.clock = clock;
        return this;
    }

    public ZooKeeperStoreConfig config() {
        if (connectString == null || connectString.isBlank()) {
            throw new InvalidConfigException(POLICY, "connectString", "must be set and not blank");
        }
        Names.segment(POLICY, "namespace", namespace);
        InvalidConfigException.positive(POLICY, "sessionTimeout", sessionTimeout);
        InvalidConfigException.positive(POLICY, "connectionTimeout", connectionTimeout);
        if (connectionTimeout.compareTo(sessionTimeout) > 0) {
            throw new InvalidConfigException(POLICY, "connectionTimeout",
                    "must be <= sessionTimeout (" + sessionTimeout + "), was " + connectionTimeout);
        }
        if (sessionTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new InvalidConfigException(POLICY, "sessionTimeout", "is too long: " + sessionTimeout);
        }
        InvalidConfigException.positive(POLICY, "retryBaseSleep", retryBaseSleep);
        InvalidConfigException.positive(POLICY, "retryMaxSleep", retryMaxSleep);
        if (retryMaxSleep.compareTo(retryBaseSleep) < 0) {
            throw new InvalidConfigException(POLICY, "retryMaxSleep",
                    "must be >= retryBaseSleep (" + retryBaseSleep + "), was " + retryMaxSleep);
        }
        InvalidConfigException.atLeast(POLICY, "maxRetries", maxRetries, 0);
        if (maxRetries > 29) { // Curator's exponential back-off caps there
            throw new InvalidConfigException(POLICY, "maxRetries", "must be <= 29, was " + maxRetries);
        }
        InvalidConfigException.required(POLICY, "clock", clock);
        return new ZooKeeperStoreConfig(connectString, namespace, sessionTimeout, connectionTimeout,
                retryBaseSleep, retryMaxSleep, maxRetries);
    }

    /** Creates the Curator client and starts connecting; does not wait (see {@link ZooKeeperTopologyStore#awaitConnected}). */
    public ZooKeeperTopologyStore build() {
        return ZooKeeperTopologyStore.of(config(), clock);
    }
}
