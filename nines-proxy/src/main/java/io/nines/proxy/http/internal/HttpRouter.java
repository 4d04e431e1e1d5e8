package io.nines.proxy.http.internal;

import io.netty.channel.EventLoop;
import io.nines.proxy.http.HttpRoute;
import io.nines.proxy.tcp.TcpTargets;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Routes, clusters and per-event-loop state of one HTTP listener: the weighted pickers (exact shares per loop),
 * the round robin over each cluster's endpoints and the upstream pools. Everything per loop is used only on it.
 */
public final class HttpRouter {

    private final List<HttpRoute> routes;
    private final Map<String, TcpTargets> clusters;
    private final Map<EventLoop, PerLoop> loops = new ConcurrentHashMap<>();

    /** State owned by one event loop. */
    final class PerLoop {
        final UpstreamPool pool = new UpstreamPool(64);
        final WeightedPicker<String>[] pickers;
        final Map<String, int[]> roundRobin = new java.util.HashMap<>();

        @SuppressWarnings("unchecked")
        PerLoop() {
            pickers = new WeightedPicker[routes.size()];
            for (int i = 0; i < routes.size(); i++) {
                HttpRoute r = routes.get(i);
                pickers[i] = new WeightedPicker<>(r.clusters().stream().map(HttpRoute.WeightedCluster::cluster).toList(),
                        r.clusters().stream().mapToInt(HttpRoute.WeightedCluster::weight).toArray());
            }
        }

        /** The next endpoint of {@code cluster} in round robin, or null when it has none. */
        InetSocketAddress endpoint(String cluster) {
            List<InetSocketAddress> endpoints = clusters.get(cluster).current();
            if (endpoints.isEmpty()) {
                return null;
            }
            int[] next = roundRobin.computeIfAbsent(cluster, c -> new int[1]);
            return endpoints.get(Math.floorMod(next[0]++, endpoints.size()));
        }
    }

    public HttpRouter(List<HttpRoute> routes, Map<String, TcpTargets> clusters) {
        this.routes = List.copyOf(routes);
        this.clusters = Map.copyOf(clusters);
    }

    PerLoop on(EventLoop loop) {
        return loops.computeIfAbsent(loop, l -> new PerLoop());
    }

    /** The index of the first route matching, or -1. */
    int route(String host, String path) {
        for (int i = 0; i < routes.size(); i++) {
            if (routes.get(i).matches(host, path)) {
                return i;
            }
        }
        return -1;
    }

    HttpRoute route(int index) {
        return routes.get(index);
    }
}
