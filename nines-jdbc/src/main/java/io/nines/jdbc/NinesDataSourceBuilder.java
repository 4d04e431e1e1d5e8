package io.nines.jdbc;

import java.util.function.Function;
import java.net.InetSocketAddress;
import io.nines.topology.Endpoint;
import static io.nines.core.InvalidConfigException.positive;
import static io.nines.core.InvalidConfigException.required;

import com.zaxxer.hikari.HikariConfig;
import io.nines.core.Clock;
import io.nines.core.InvalidConfigException;
import io.nines.jdbc.island.IslandGuard;
import io.nines.jdbc.island.IslandGuardConfig;
import io.nines.topology.TopologyStore;
import io.nines.topology.TopologyView;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Fluent builder of a {@link NinesDataSource}; {@link #config()} and {@link #build()} validate every field and name the
 * bad one ({@code ninesDataSource.poolSize: must be > 0, was 0}).
 *
 * <pre>{@code
 * NinesDataSource orders = NinesDataSource.builder("orders-db")
 *         .topology(store)                                  // a TopologyStore (view + quorum) or a TopologyView
 *         .zone("zoneA")
 *         .user("app").password(secret).database("orders")
 *         .poolSize(20)
 *         .maxReplicaLag(Duration.ofSeconds(2))
 *         .islandGuard(IslandGuard.builder("orders-island").zone("zoneA")
 *                 .storeSessionTimeout(Duration.ofSeconds(6))
 *                 .peer("zoneB", "app-b1", 8080).peer("zoneC", "app-c1", 8080)
 *                 .config())
 *         .build();
 * }</pre>
 */
public final class NinesDataSourceBuilder {

    static final String POLICY = "ninesDataSource";

    private final String cluster;
    private TopologyStore store;
    private TopologyView view;
    private String zone;
    private String user;
    private String password = "";
    private String database;
    private final Map<String, String> jdbcProperties = new LinkedHashMap<>();
    private int poolSize = NinesDataSourceConfig.DEFAULT_POOL_SIZE;
    private int minIdle = NinesDataSourceConfig.DEFAULT_MIN_IDLE;
    private Duration connectionTimeout = NinesDataSourceConfig.DEFAULT_CONNECTION_TIMEOUT;
    private Duration maxReplicaLag = NinesDataSourceConfig.DEFAULT_MAX_REPLICA_LAG;
    private Duration replicaCheckInterval = NinesDataSourceConfig.DEFAULT_REPLICA_CHECK_INTERVAL;
    private boolean preferLocalReplicas = true;
    private IslandGuard islandGuard;
    private IslandGuardConfig islandGuardConfig;
    private ReplicaLagProbe lagProbe = ReplicaLagProbe.secondsBehindMaster();
    private Consumer<? super HikariConfig> hikari = c -> { };
    private Clock clock = Clock.system();
    private Function<? super Endpoint, InetSocketAddress> connectAddress = NinesDataSourceConfig.PUBLISHED_ADDRESS;

    NinesDataSourceBuilder(String cluster) {
        this.cluster = cluster;
    }

    /**
     * Where the topology comes from: the data source opens a view of its cluster on the store (closed with the data
     * source; the store stays the caller's), re-reads the topology after an island, and an island guard built from an
     * {@link IslandGuardConfig} listens to the store's quorum.
     */
    public NinesDataSourceBuilder topology(TopologyStore store) {
        this.store = store;
        this.view = null;
        return this;
    }

    /** Where the topology comes from: a view the caller owns and feeds (a static cluster, a test). */
    public NinesDataSourceBuilder topology(TopologyView view) {
        this.view = view;
        this.store = null;
        return this;
    }

    /** The zone this process runs in. Required. */
    public NinesDataSourceBuilder zone(String zone) {
        this.zone = zone;
        return this;
    }

    public NinesDataSourceBuilder user(String user) {
        this.user = user;
        return this;
    }

    public NinesDataSourceBuilder password(String password) {
        this.password = password;
        return this;
    }

    /** Default database of every connection. Optional. */
    public NinesDataSourceBuilder database(String database) {
        this.database = database;
        return this;
    }

    /** A MariaDB Connector/J property for every connection, e.g. {@code ("socketTimeout", "10000")}. */
    public NinesDataSourceBuilder jdbcProperty(String key, String value) {
        jdbcProperties.put(key, value);
        return this;
    }

    public NinesDataSourceBuilder jdbcProperties(Map<String, String> properties) {
        jdbcProperties.putAll(properties);
        return this;
    }

    /** Most connections per endpoint. Default 10. */
    public NinesDataSourceBuilder poolSize(int poolSize) {
        this.poolSize = poolSize;
        return this;
    }

    /** Idle connections kept per endpoint in use. Default 1. */
    public NinesDataSourceBuilder minIdle(int minIdle) {
        this.minIdle = minIdle;
        return this;
    }

    /** Longest wait for a pooled connection (at least 250 ms, HikariCP's floor). Default 2 s. */
    public NinesDataSourceBuilder connectionTimeout(Duration timeout) {
        this.connectionTimeout = timeout;
        return this;
    }

    /** Replicas further behind get no reads. Default 5 s. */
    public NinesDataSourceBuilder maxReplicaLag(Duration lag) {
        this.maxReplicaLag = lag;
        return this;
    }

    /** How often replica lag is measured. Default 1 s. */
    public NinesDataSourceBuilder replicaCheckInterval(Duration interval) {
        this.replicaCheckInterval = interval;
        return this;
    }

    /** Read from replicas in this zone when any is healthy. Default true. */
    public NinesDataSourceBuilder preferLocalReplicas(boolean prefer) {
        this.preferLocalReplicas = prefer;
        return this;
    }

    /**
     * An island guard built and owned by the data source on the store's quorum signal (needs
     * {@link #topology(TopologyStore)}); closed with the data source.
     */
    public NinesDataSourceBuilder islandGuard(IslandGuardConfig config) {
        this.islandGuardConfig = config;
        return this;
    }

    /**
     * A guard the caller owns, e.g. one per process shared by several data sources and pipelines; or
     * {@link IslandGuard#disabled(String)} to run guarded code where no island can happen. Without any guard,
     * guarded operations throw {@link IllegalStateException}: an unguarded deduction is a decision to take on purpose.
     */
    public NinesDataSourceBuilder islandGuard(IslandGuard guard) {
        this.islandGuard = guard;
        return this;
    }

    /** How replica lag is measured. Default {@link ReplicaLagProbe#secondsBehindMaster()}. */
    public NinesDataSourceBuilder replicaLagProbe(ReplicaLagProbe probe) {
        this.lagProbe = probe;
        return this;
    }

    /**
     * Adjusts each endpoint's HikariCP settings after Nines has set its own (URL, credentials, sizes, timeouts,
     * {@code initializationFailTimeout=-1} so a pool never blocks the topology thread). For what Nines does not
     * expose: {@code maxLifetime}, {@code leakDetectionThreshold}, a metrics tracker...
     */
    public NinesDataSourceBuilder hikari(Consumer<? super HikariConfig> customizer) {
        this.hikari = customizer;
        return this;
    }

    /**
     * How this client reaches an endpoint: by default the host and port the topology publishes. Override
     * where a zone sees endpoints elsewhere (NAT, per-zone virtual IPs, a test network's zone links).
     */
    public NinesDataSourceBuilder connectAddress(Function<? super Endpoint, InetSocketAddress> connectAddress) {
        this.connectAddress = java.util.Objects.requireNonNull(connectAddress, "connectAddress");
        return this;
    }

    public NinesDataSourceBuilder clock(Clock clock) {
        this.clock = clock;
        return this;
    }

    public NinesDataSourceConfig config() {
        required(POLICY, "cluster", cluster);
        if (cluster.isBlank()) {
            throw new InvalidConfigException(POLICY, "cluster", "must not be blank");
        }
        if (store == null && view == null) {
            throw new InvalidConfigException(POLICY, "topology", "must be set: a TopologyStore or a TopologyView");
        }
        if (view != null && !view.cluster().equals(cluster)) {
            throw new InvalidConfigException(POLICY, "topology", "the view is of cluster '" + view.cluster()
                    + "', not '" + cluster + "'");
        }
        required(POLICY, "zone", zone);
        if (zone.isBlank()) {
            throw new InvalidConfigException(POLICY, "zone", "must not be blank");
        }
        required(POLICY, "user", user);
        required(POLICY, "password", password);
        if (database != null && (database.isBlank() || database.chars().anyMatch(c -> c == '/' || c == '?'
                || c == '&' || Character.isWhitespace(c)))) {
            throw new InvalidConfigException(POLICY, "database", "must be a plain database name, was '" + database + "'");
        }
        for (Map.Entry<String, String> e : jdbcProperties.entrySet()) {
            if (e.getKey() == null || e.getKey().isBlank()) {
                throw new InvalidConfigException(POLICY, "jdbcProperties", "a property name must not be blank");
            }
            required(POLICY, "jdbcProperties[" + e.getKey() + "]", e.getValue());
        }
        positive(POLICY, "poolSize", poolSize);
        if (minIdle < 0 || minIdle > poolSize) {
            throw new InvalidConfigException(POLICY, "minIdle", "must be in [0, poolSize=" + poolSize + "], was " + minIdle);
        }
        positive(POLICY, "connectionTimeout", connectionTimeout);
        if (connectionTimeout.toMillis() < 250) {
            throw new InvalidConfigException(POLICY, "connectionTimeout", "must be >= 250ms (HikariCP's floor), was "
                    + connectionTimeout);
        }
        positive(POLICY, "maxReplicaLag", maxReplicaLag);
        positive(POLICY, "replicaCheckInterval", replicaCheckInterval);
        if (islandGuard != null && islandGuardConfig != null) {
            throw new InvalidConfigException(POLICY, "islandGuard", "set either a guard or a guard config, not both");
        }
        if (islandGuardConfig != null && store == null) {
            throw new InvalidConfigException(POLICY, "islandGuard", "a guard built from a config needs"
                    + " topology(TopologyStore) for its quorum signal; with a TopologyView pass an IslandGuard");
        }
        IslandGuardConfig guardConfig = islandGuardConfig != null ? islandGuardConfig
                : islandGuard != null ? islandGuard.config() : null;
        if (guardConfig != null && !guardConfig.zone().equals(zone)) {
            throw new InvalidConfigException(POLICY, "islandGuard.zone", "'" + guardConfig.zone()
                    + "' differs from the data source's zone '" + zone + "'");
        }
        required(POLICY, "replicaLagProbe", lagProbe);
        required(POLICY, "hikari", hikari);
        required(POLICY, "clock", clock);
        return new NinesDataSourceConfig(cluster, zone, user, password, database, jdbcProperties, poolSize, minIdle,
                connectionTimeout, maxReplicaLag, replicaCheckInterval, preferLocalReplicas, connectAddress);
    }

    /** Starts following the topology; does not wait for it (the first borrow waits up to connectionTimeout). */
    public NinesDataSource build() {
        NinesDataSourceConfig config = config();
        IslandGuard guard = islandGuard;
        boolean ownsGuard = false;
        if (islandGuardConfig != null) {
            guard = IslandGuard.builder(cluster + "-island").from(islandGuardConfig).quorum(store.quorum())
                    .clock(clock).build();
            ownsGuard = true;
        }
        return new NinesDataSource(config, store, view, guard, ownsGuard, lagProbe, hikari, clock);
    }
}
