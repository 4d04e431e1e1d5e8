package io.nines.proxy.tcp.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/** Native epoll where the platform has it (Linux), NIO elsewhere: same behaviour, epoll is just cheaper. */
public record Transport(String name, Class<? extends ServerChannel> serverChannel,
                        Class<? extends SocketChannel> socketChannel, boolean epoll) {

    public static Transport best() {
        if (Epoll.isAvailable()) {
            return new Transport("epoll", EpollServerSocketChannel.class, EpollSocketChannel.class, true);
        }
        return new Transport("nio", NioServerSocketChannel.class, NioSocketChannel.class, false);
    }

    public EventLoopGroup newGroup(int threads, String threadPrefix) {
        DefaultThreadFactory factory = new DefaultThreadFactory(threadPrefix, true);
        return epoll ? new EpollEventLoopGroup(threads, factory) : new NioEventLoopGroup(threads, factory);
    }
}
