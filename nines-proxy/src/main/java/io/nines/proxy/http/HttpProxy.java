package io.nines.proxy.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.nines.proxy.http.internal.Downstream;
import io.nines.proxy.http.internal.HttpRouter;
import io.nines.proxy.http.internal.HttpStats;
import io.nines.proxy.tcp.TcpTargets;
import io.nines.proxy.tcp.internal.Transport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running HTTP/1.1 listener: routes requests by host and path prefix to weighted clusters, over keep-alive
 * upstream connections pooled per event loop, streaming bodies both ways.
 */
public final class HttpProxy implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpProxy.class);
    /** Request line and header limits: past them the client gets 400 and the connection closes. */
    static final int MAX_INITIAL_LINE = 8 * 1024;
    static final int MAX_HEADERS = 16 * 1024;

    private final String name;
    private final EventLoopGroup group;
    private final Channel listener;
    private final HttpStats stats;

    private HttpProxy(String name, EventLoopGroup group, Channel listener, HttpStats stats) {
        this.name = name;
        this.group = group;
        this.listener = listener;
        this.stats = stats;
    }

    public static HttpProxy start(String name, InetSocketAddress bind, List<HttpRoute> routes,
                                  Map<String, TcpTargets> clusters, Duration connectTimeout, int ioThreads)
            throws InterruptedException {
        for (HttpRoute r : routes) {
            for (HttpRoute.WeightedCluster c : r.clusters()) {
                if (!clusters.containsKey(c.cluster())) {
                    throw new io.nines.core.InvalidConfigException(name, "routes", "no cluster named " + c.cluster());
                }
            }
        }
        Transport transport = Transport.best();
        EventLoopGroup group = transport.newGroup(ioThreads, "nines-http-" + name);
        HttpRouter router = new HttpRouter(routes, clusters);
        HttpStats stats = new HttpStats();
        try {
            Channel listener = new ServerBootstrap().group(group).channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(Downstream.serverCodec(MAX_INITIAL_LINE, MAX_HEADERS, 8192),
                                    new Downstream(router, transport, connectTimeout, stats));
                        }
                    })
                    .bind(bind).sync().channel();
            LOG.info("http listener {} on {} ({})", name, listener.localAddress(), transport.name());
            return new HttpProxy(name, group, listener, stats);
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    public String name() {
        return name;
    }

    public HttpStats stats() {
        return stats;
    }

    @Override
    public void close() {
        listener.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly();
    }
}
