package io.nines.proxy.tcp.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.nines.proxy.tcp.TcpListenerConfig;
import io.nines.proxy.tcp.TcpTargets;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of an accepted connection (one per connection): it connects to an endpoint on the same event
 * loop (round robin; the next endpoint when one refuses or times out), holds what the client sends meanwhile (and
 * its half-close), then hands both channels to {@link Relay}s. Holding is bounded: past {@link #HOLD_BYTES} it
 * stops reading until connected.
 */
public final class Frontend extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(Frontend.class);
    static final int HOLD_BYTES = 256 * 1024;

    private final TcpListenerConfig config;
    private final TcpTargets targets;
    private final Transport transport;
    private final AtomicInteger next;
    private final TcpStats stats;
    private final Relayed relayed;
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private int heldBytes;
    private boolean clientFinished;

    public Frontend(TcpListenerConfig config, TcpTargets targets, Transport transport, AtomicInteger next,
                    TcpStats stats, Relayed relayed) {
        this.config = config;
        this.targets = targets;
        this.transport = transport;
        this.next = next;
        this.stats = stats;
        this.relayed = relayed;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        stats.opened();
        ctx.channel().closeFuture().addListener(f -> stats.closed());
        List<InetSocketAddress> endpoints = targets.current();
        if (endpoints.isEmpty()) {
            stats.noTarget.increment();
            LOG.debug("{}: no target ({}); closing the client's connection", config.name(), targets);
            ctx.close();
            return;
        }
        connect(ctx, endpoints, Math.floorMod(next.getAndIncrement(), endpoints.size()), endpoints.size());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        held.add(msg);
        if (msg instanceof ByteBuf buf) {
            heldBytes += buf.readableBytes();
        }
        if (heldBytes > HOLD_BYTES) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            clientFinished = true; // passed on once connected
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        release();
        ctx.close();
    }

    private void connect(ChannelHandlerContext ctx, List<InetSocketAddress> endpoints, int index, int attemptsLeft) {
        Channel inbound = ctx.channel();
        InetSocketAddress endpoint = endpoints.get(index);
        Bootstrap b = new Bootstrap().group(inbound.eventLoop()).channel(transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // the relay is added once connected
                    }
                });
        ChannelFuture f = b.connect(endpoint);
        f.addListener(done -> {
            if (!inbound.isActive()) {
                f.channel().close(); // the client left while we connected
                return;
            }
            if (!done.isSuccess()) {
                stats.connectFailures.increment();
                LOG.debug("{}: endpoint {} failed: {}", config.name(), endpoint, done.cause().toString());
                if (attemptsLeft > 1) {
                    connect(ctx, endpoints, (index + 1) % endpoints.size(), attemptsLeft - 1);
                } else {
                    LOG.warn("{}: no endpoint of {} accepted a connection; closing the client's", config.name(),
                            endpoints);
                    release();
                    inbound.close();
                }
                return;
            }
            if (!targets.current().contains(endpoint)) {
                f.channel().close(); // the target went away while we connected (a fenced primary)
                release();
                inbound.close();
                return;
            }
            relay(ctx, endpoint, f.channel());
        });
    }

    private void relay(ChannelHandlerContext ctx, InetSocketAddress endpoint, Channel outbound) {
        Channel inbound = ctx.channel();
        relayed.add(endpoint, inbound);
        if (!config.idleTimeout().isZero()) {
            inbound.pipeline().addLast(new IdleStateHandler(0, 0, config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        }
        inbound.pipeline().addLast(new Relay(outbound, stats.bytesUp));
        outbound.pipeline().addLast(new Relay(inbound, stats.bytesDown));
        while (!held.isEmpty()) {
            Object msg = held.poll();
            if (msg instanceof ByteBuf buf) {
                stats.bytesUp.add(buf.readableBytes());
            }
            outbound.write(msg, outbound.voidPromise());
        }
        heldBytes = 0;
        outbound.flush();
        if (clientFinished && outbound instanceof DuplexChannel duplex) {
            duplex.shutdownOutput();
        }
        inbound.pipeline().remove(this);
        outbound.config().setAutoRead(true);
        if (!clientFinished) {
            inbound.config().setAutoRead(true);
        }
    }

    private void release() {
        while (!held.isEmpty()) {
            ReferenceCountUtil.release(held.poll());
        }
        heldBytes = 0;
    }
}
