package io.nines.proxy.tcp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.nines.core.event.EventPublisher.Subscription;
import io.nines.proxy.tcp.internal.Frontend;
import io.nines.proxy.tcp.internal.Relayed;
import io.nines.proxy.tcp.internal.TcpStats;
import io.nines.proxy.tcp.internal.Transport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running TCP (L4) listener: accepts on its address and relays each connection to an endpoint of its cluster.
 * Native epoll on Linux, NIO elsewhere; each connection and its upstream share one event loop, so relaying takes no
 * lock and no thread handoff.
 *
 * <pre>{@code
 * // Applications connect to 127.0.0.1:3306; the proxy follows the cluster's primary through failovers.
 * TopologyView view = TopologyView.open(store, "orders-db");
 * try (TcpProxy proxy = TcpProxy.start(TcpListenerConfig.of("orders-primary", new InetSocketAddress("127.0.0.1", 3306)),
 *         TcpTargets.primaryOf(view), 1)) {
 *     ...
 * }
 * }</pre>
 */
public final class TcpProxy implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TcpProxy.class);

    private final TcpListenerConfig config;
    private final TcpTargets targets;
    private final EventLoopGroup group;
    private final Channel listener;
    private final TcpStats stats;
    private final Transport transport;
    private final Subscription targetWatch;

    private TcpProxy(TcpListenerConfig config, TcpTargets targets, EventLoopGroup group, Channel listener,
                     TcpStats stats, Transport transport, Relayed relayed) {
        this.config = config;
        this.targets = targets;
        this.group = group;
        this.listener = listener;
        this.stats = stats;
        this.transport = transport;
        this.targetWatch = targets.onChange(() -> {
            List<InetSocketAddress> now = targets.current();
            int closed = relayed.closeAllBut(now);
            if (closed > 0) {
                stats.countClosedByTargetChange(closed);
                LOG.warn("tcp listener {}: closed {} connection(s) to endpoints no longer targeted; now {}",
                        config.name(), closed, now);
            }
        });
    }

    /**
     * Binds and starts relaying.
     *
     * @param ioThreads event loop threads (one per core the proxy may use)
     */
    public static TcpProxy start(TcpListenerConfig config, TcpTargets targets, int ioThreads)
            throws InterruptedException {
        Transport transport = Transport.best();
        EventLoopGroup group = transport.newGroup(ioThreads, "nines-tcp-" + config.name());
        TcpStats stats = new TcpStats();
        AtomicInteger roundRobin = new AtomicInteger();
        Relayed relayed = new Relayed();
        try {
            ServerBootstrap b = new ServerBootstrap().group(group).channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new Frontend(config, targets, transport, roundRobin, stats, relayed));
                        }
                    });
            Channel listener = b.bind(config.bind()).sync().channel();
            LOG.info("tcp listener {} on {} ({}) -> {}", config.name(), listener.localAddress(), transport.name(),
                    targets);
            return new TcpProxy(config, targets, group, listener, stats, transport, relayed);
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    /** Where it listens (the bound port when the config asked for port 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    public TcpListenerConfig config() {
        return config;
    }

    public TcpTargets targets() {
        return targets;
    }

    /** {@code epoll} or {@code nio}. */
    public String transport() {
        return transport.name();
    }

    public TcpStats stats() {
        return stats;
    }

    /** Stops accepting, then gives open connections up to {@code drain} to finish before closing the rest. */
    public void close(Duration drain) {
        targetWatch.close();
        listener.close().awaitUninterruptibly();
        try {
            if (!drain.isZero() && !stats.awaitIdle(drain)) {
                LOG.info("tcp listener {}: {} connection(s) still open after the {} drain; closing them", config.name(),
                        stats.active(), drain);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly();
    }

    @Override
    public void close() {
        close(Duration.ZERO);
    }
}
