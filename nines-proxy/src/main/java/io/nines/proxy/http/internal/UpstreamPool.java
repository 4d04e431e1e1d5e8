package io.nines.proxy.http.internal;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Idle keep-alive connections to endpoints, one pool per event loop and used only on it: borrowing and returning
 * take no lock. A connection that closes while idle is dropped when next looked at.
 */
final class UpstreamPool {

    private final Map<InetSocketAddress, ArrayDeque<Channel>> idle = new HashMap<>();
    private final int maxIdlePerEndpoint;

    UpstreamPool(int maxIdlePerEndpoint) {
        this.maxIdlePerEndpoint = maxIdlePerEndpoint;
    }

    /** An idle, still open connection to {@code endpoint}, or null. */
    Channel poll(InetSocketAddress endpoint) {
        ArrayDeque<Channel> q = idle.get(endpoint);
        while (q != null && !q.isEmpty()) {
            Channel ch = q.pollLast(); // the most recently used: the likeliest to be alive and warm
            if (ch.isActive()) {
                return ch;
            }
        }
        return null;
    }

    /** Keeps {@code ch} for the next request, or closes it when the pool for that endpoint is full. */
    void release(InetSocketAddress endpoint, Channel ch) {
        ArrayDeque<Channel> q = idle.computeIfAbsent(endpoint, e -> new ArrayDeque<>());
        if (q.size() >= maxIdlePerEndpoint || !ch.isActive()) {
            ch.close();
            return;
        }
        q.addLast(ch);
    }
}
