package io.nines.jdbc;

import io.nines.topology.Endpoint;
import java.net.InetSocketAddress;
import java.util.function.Function;
import java.time.Duration;
import java.util.Map;

/**
 * Immutable, validated settings of a {@link NinesDataSource}; built by {@link NinesDataSourceBuilder#config()}.
 *
 * @param cluster              the topology cluster (a MariaDB cluster) whose endpoints are used
 * @param zone                 the zone this process runs in: replicas there are preferred for reads, and an island
 *                             guard must be in the same zone
 * @param user                 database user of every pool
 * @param password             its password (never printed by {@link #toString()})
 * @param database             default database (schema) of every connection, or {@code null}
 * @param jdbcProperties       MariaDB Connector/J properties for every connection (e.g. {@code connectTimeout},
 *                             {@code socketTimeout}); {@code connectTimeout} defaults to {@code connectionTimeout}
 * @param poolSize             most connections per endpoint (HikariCP {@code maximumPoolSize})
 * @param minIdle              idle connections kept per endpoint in use (HikariCP {@code minimumIdle})
 * @param connectionTimeout    longest wait for a connection from a pool (HikariCP {@code connectionTimeout})
 * @param maxReplicaLag        a replica further behind than this gets no reads
 * @param replicaCheckInterval how often every replica's lag is measured
 * @param preferLocalReplicas  read from replicas in {@link #zone} when any is healthy, else from any zone
 */
public record NinesDataSourceConfig(String cluster, String zone, String user, String password, String database,
                                    Map<String, String> jdbcProperties, int poolSize, int minIdle,
                                    Duration connectionTimeout, Duration maxReplicaLag, Duration replicaCheckInterval,
                                    boolean preferLocalReplicas,
                                    Function<? super Endpoint, InetSocketAddress> connectAddress) {

    public static final int DEFAULT_POOL_SIZE = 10;
    public static final int DEFAULT_MIN_IDLE = 1;
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_MAX_REPLICA_LAG = Duration.ofSeconds(5);
    public static final Duration DEFAULT_REPLICA_CHECK_INTERVAL = Duration.ofSeconds(1);

    /** Reaches an endpoint at the host and port the topology publishes. */
    public static final Function<Endpoint, InetSocketAddress> PUBLISHED_ADDRESS =
            e -> InetSocketAddress.createUnresolved(e.host(), e.port());

    public NinesDataSourceConfig {
        jdbcProperties = Map.copyOf(jdbcProperties);
        connectAddress = connectAddress == null ? PUBLISHED_ADDRESS : connectAddress;
    }

    @Override
    public String toString() {
        return "NinesDataSourceConfig[cluster=" + cluster + ", zone=" + zone + ", user=" + user + ", password=***"
                + ", database=" + database + ", jdbcProperties=" + jdbcProperties.keySet() + ", poolSize=" + poolSize
                + ", minIdle=" + minIdle + ", connectionTimeout=" + connectionTimeout + ", maxReplicaLag="
                + maxReplicaLag + ", replicaCheckInterval=" + replicaCheckInterval + ", preferLocalReplicas="
                + preferLocalReplicas + "]";
    }
}
