package io.nines.proxy.http;

import io.nines.core.InvalidConfigException;
import java.time.Duration;
import java.util.List;

/**
 * A route of an HTTP listener: requests whose path starts with {@code pathPrefix} (and whose {@code Host} is
 * {@code host}, when set) go to one of its weighted clusters; routes are tried in order, the first match wins.
 *
 * @param host       the Host header to match (without port), or null for any
 * @param pathPrefix the path prefix to match ({@code /} matches everything)
 * @param clusters   where matching requests go, by weight (canary: {@code app 90, app-next 10})
 * @param timeout    from the request's head sent upstream to the response's head back; over it: 504
 */
public record HttpRoute(String host, String pathPrefix, List<WeightedCluster> clusters, Duration timeout) {

    /** A cluster and its share of the route's requests. */
    public record WeightedCluster(String cluster, int weight) {
        public WeightedCluster {
            if (weight < 0) {
                throw new InvalidConfigException("route", "weight", "must be >= 0, was " + weight);
            }
        }
    }

    public HttpRoute {
        clusters = List.copyOf(clusters);
        if (clusters.isEmpty() || clusters.stream().mapToInt(WeightedCluster::weight).sum() == 0) {
            throw new InvalidConfigException("route", "clusters", "needs at least one cluster with a weight > 0");
        }
        if (pathPrefix == null || !pathPrefix.startsWith("/")) {
            throw new InvalidConfigException("route", "prefix", "must start with /, was " + pathPrefix);
        }
    }

    /** Whether a request for {@code requestHost} (no port) and {@code path} takes this route. */
    public boolean matches(String requestHost, String path) {
        return (host == null || host.equalsIgnoreCase(requestHost)) && path.startsWith(pathPrefix);
    }
}
