package io.nines.proxy.tcp.internal;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The client connections being relayed, by the endpoint they go to: what to close when an endpoint goes away. */
public final class Relayed {

    private final Map<InetSocketAddress, Set<Channel>> byEndpoint = new ConcurrentHashMap<>();

    void add(InetSocketAddress endpoint, Channel client) {
        byEndpoint.computeIfAbsent(endpoint, e -> ConcurrentHashMap.newKeySet()).add(client);
        client.closeFuture().addListener(f -> {
            Set<Channel> set = byEndpoint.get(endpoint);
            if (set != null) {
                set.remove(client);
            }
        });
    }

    /** Closes the client connections relayed to endpoints not in {@code current}; returns how many. */
    public int closeAllBut(List<InetSocketAddress> current) {
        int n = 0;
        for (Map.Entry<InetSocketAddress, Set<Channel>> e : byEndpoint.entrySet()) {
            if (!current.contains(e.getKey())) {
                for (Channel client : e.getValue()) {
                    client.close(); // its relay closes the upstream side
                    n++;
                }
            }
        }
        return n;
    }
}
