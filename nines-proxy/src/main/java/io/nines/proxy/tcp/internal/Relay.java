package io.nines.proxy.tcp.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.concurrent.atomic.LongAdder;

/**
 * Moves bytes from its channel to the peer, one direction of a proxied connection. Both channels live on the same
 * event loop, so no handoff. Backpressure: when the peer's outbound buffer passes its high-water mark this side stops
 * reading, and resumes when the peer drains. A half-close (FIN) is passed on as a half-close; the connection closes
 * when both directions are done or either side closes.
 */
final class Relay extends ChannelInboundHandlerAdapter {

    private final Channel peer;
    private final LongAdder bytes;

    Relay(Channel peer, LongAdder bytes) {
        this.peer = peer;
        this.bytes = bytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            bytes.add(buf.readableBytes());
        }
        peer.write(msg, peer.voidPromise());
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // This channel drained what the peer sent it: the peer may read again.
        if (ctx.channel().isWritable()) {
            peer.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            // The sender finished: finish the peer's direction once what it was sent is written.
            if (peer instanceof DuplexChannel duplex && peer.isActive()) {
                peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                    duplex.shutdownOutput();
                    closeIfBothDone(ctx.channel());
                });
            } else {
                closeBoth(ctx.channel());
            }
        } else if (evt instanceof IdleStateEvent) {
            closeBoth(ctx.channel());
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeWhenFlushed(peer);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset or a broken pipe on one side: the other side gets what was already sent, then a close.
        ctx.close();
        closeWhenFlushed(peer);
    }

    private void closeIfBothDone(Channel self) {
        if (self instanceof DuplexChannel a && peer instanceof DuplexChannel b
                && a.isInputShutdown() && b.isInputShutdown() && a.isOutputShutdown() && b.isOutputShutdown()) {
            closeBoth(self);
        }
    }

    private void closeBoth(Channel self) {
        self.close();
        closeWhenFlushed(peer);
    }

    static void closeWhenFlushed(Channel ch) {
        if (ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
