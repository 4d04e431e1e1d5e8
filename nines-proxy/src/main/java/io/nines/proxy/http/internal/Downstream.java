package io.nines.proxy.http.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.nines.core.Refusal;
import io.nines.proxy.http.HttpRoute;
import io.nines.proxy.tcp.internal.Transport;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One client connection of an HTTP listener. Requests are served one at a time (no pipelining): the head picks a
 * route, a cluster (by weight) and an endpoint; the request goes to a pooled keep-alive upstream connection on the
 * same event loop, its body streams as it arrives (reading from the client pauses while the upstream cannot keep
 * up), the response streams back the same way, and the upstream connection returns to the pool when both sides
 * allow it. Malformed or ambiguous requests get 400 and the connection is closed; only this one.
 */
public final class Downstream extends ChannelInboundHandlerAdapter {

    private static final String VIA = "1.1 nines";

    private final HttpRouter router;
    private final Transport transport;
    private final Duration connectTimeout;
    private final HttpStats stats;

    private ChannelHandlerContext ctx;
    /** The request in flight: its upstream (null while connecting), what arrived before it, its endpoint. */
    private Channel upstream;
    private InetSocketAddress endpoint;
    private final ArrayDeque<HttpObject> held = new ArrayDeque<>();
    private boolean inFlight;
    private boolean requestDone;
    /** The request has no body: a local answer may keep the connection. */
    private boolean bodyless;
    private String cluster;
    private boolean clientKeepAlive;
    private boolean responseStarted;
    private ScheduledFuture<?> timeout;

    public Downstream(HttpRouter router, Transport transport, Duration connectTimeout, HttpStats stats) {
        this.router = router;
        this.transport = transport;
        this.connectTimeout = connectTimeout;
        this.stats = stats;
    }

    /** The server-side HTTP codec this handler expects in front of it. */
    public static io.netty.channel.ChannelHandler serverCodec(int maxInitialLine, int maxHeaders, int maxChunk) {
        return new ServerCodec(maxInitialLine, maxHeaders, maxChunk);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest req) {
            if (inFlight) {
                ReferenceCountUtil.release(msg); // a pipelined request: we read only after a response ends
                reject(HttpResponseStatus.BAD_REQUEST, null, "one request at a time on a connection");
                return;
            }
            start(req);
            if (msg instanceof HttpContent c) {
                body(c);
            }
        } else if (msg instanceof HttpContent c) {
            if (!inFlight) {
                ReferenceCountUtil.release(msg); // the rest of a body we refused
                return;
            }
            body(c);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void start(HttpRequest req) {
        stats.requests.increment();
        if (req.decoderResult().isFailure()) {
            reject(HttpResponseStatus.BAD_REQUEST, null, "malformed request: " + req.decoderResult().cause().getMessage());
            return;
        }
        HttpHeaders h = req.headers();
        // Request smuggling: a length two parsers could read differently is refused, not guessed at.
        if (h.contains(HttpHeaderNames.TRANSFER_ENCODING) && h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            reject(HttpResponseStatus.BAD_REQUEST, null, "both Content-Length and Transfer-Encoding");
            return;
        }
        if (h.getAll(HttpHeaderNames.CONTENT_LENGTH).size() > 1) {
            reject(HttpResponseStatus.BAD_REQUEST, null, "more than one Content-Length");
            return;
        }
        String host = h.get(HttpHeaderNames.HOST, "");
        int colon = host.lastIndexOf(':');
        if (colon > 0 && host.indexOf(']') < colon) {
            host = host.substring(0, colon);
        }
        String uri = req.uri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        int routeIndex = router.route(host, path);
        inFlight = true;
        requestDone = false;
        responseStarted = false;
        clientKeepAlive = HttpUtil.isKeepAlive(req);
        bodyless = !HttpUtil.isTransferEncodingChunked(req) && HttpUtil.getContentLength(req, 0L) == 0
                && !HttpUtil.is100ContinueExpected(req);
        if (routeIndex < 0) {
            respond(HttpResponseStatus.NOT_FOUND, null, "no route for " + host + path);
            return;
        }
        HttpRoute route = router.route(routeIndex);
        HttpRouter.PerLoop loop = router.on(ctx.channel().eventLoop());
        cluster = loop.pickers[routeIndex].next();
        InetSocketAddress target = loop.endpoint(cluster);
        if (target == null) {
            respond(HttpResponseStatus.SERVICE_UNAVAILABLE, Refusal.NO_HEALTHY_ENDPOINT,
                    "cluster " + cluster + " has no healthy endpoint");
            return;
        }
        prepare(req);
        held.add(req);
        ctx.channel().config().setAutoRead(false); // hold the body until the upstream is there
        connect(loop, target, route, 1);
    }

    /** Hop-by-hop headers stay on this hop; the upstream hop is keep-alive; who asked goes along. */
    private void prepare(HttpRequest req) {
        HttpHeaders h = req.headers();
        for (String hop : h.getAll(HttpHeaderNames.CONNECTION)) {
            for (String name : hop.split(",")) {
                h.remove(name.trim());
            }
        }
        h.remove(HttpHeaderNames.CONNECTION).remove(HttpHeaderNames.KEEP_ALIVE).remove("Proxy-Connection")
                .remove(HttpHeaderNames.TE).remove(HttpHeaderNames.TRAILER).remove(HttpHeaderNames.UPGRADE);
        req.setProtocolVersion(HttpVersion.HTTP_1_1);
        String client = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress().getHostAddress();
        String xff = h.get("X-Forwarded-For");
        h.set("X-Forwarded-For", xff == null ? client : xff + ", " + client);
        h.add(HttpHeaderNames.VIA, VIA);
    }

    private void connect(HttpRouter.PerLoop loop, InetSocketAddress target, HttpRoute route, int attempt) {
        endpoint = target;
        Channel pooled = loop.pool.poll(target);
        if (pooled != null) {
            attach(pooled, route);
            return;
        }
        Bootstrap b = new Bootstrap().group(ctx.channel().eventLoop()).channel(transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(4096, 16 * 1024, 8192), new Upstream());
                    }
                });
        b.connect(target).addListener((ChannelFutureListener) f -> {
            if (!ctx.channel().isActive()) {
                f.channel().close();
                release();
                return;
            }
            if (!f.isSuccess()) {
                stats.connectFailures.increment();
                InetSocketAddress next = attempt < 3 ? loop.endpoint(cluster) : null;
                if (next != null && !next.equals(target)) {
                    connect(loop, next, route, attempt + 1); // nothing was sent yet: any method may go elsewhere
                } else {
                    respond(HttpResponseStatus.BAD_GATEWAY, null, "cannot connect to " + target);
                }
                return;
            }
            attach(f.channel(), route);
        });
    }

    private void attach(Channel up, HttpRoute route) {
        upstream = up;
        ((Upstream) up.pipeline().last()).downstream = this;
        routeTimeout = route.timeout();
        while (!held.isEmpty()) {
            HttpObject o = held.poll();
            if (o instanceof LastHttpContent) {
                requestDone = true;
            }
            up.write(o, up.voidPromise());
        }
        up.flush();
        if (requestDone) {
            startTimeout();
        } else {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** The route's timeout runs from the end of the request (an upload may take long) to the response's head. */
    private void startTimeout() {
        timeout = ctx.channel().eventLoop().schedule(this::timedOut, routeTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private Duration routeTimeout;

    private void body(HttpContent c) {
        boolean last = c instanceof LastHttpContent;
        if (upstream == null) {
            held.add(c);
        } else {
            upstream.write(c, upstream.voidPromise());
            if (last) {
                upstream.flush();
            }
            if (!upstream.isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }
        if (last) {
            if (upstream != null) {
                requestDone = true;
                startTimeout();
            }
            ctx.channel().config().setAutoRead(false); // no pipelining: the next request waits for this response
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (upstream != null) {
            upstream.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (upstream != null && ctx.channel().isWritable()) {
            upstream.config().setAutoRead(true); // the client drained: read more of the response
        }
    }

    private void timedOut() {
        if (inFlight && !responseStarted) {
            stats.timeouts.increment();
            Channel up = upstream;
            upstream = null;
            if (up != null) {
                up.close(); // its answer may still come: this connection cannot be reused
            }
            respond(HttpResponseStatus.GATEWAY_TIMEOUT, null, "the upstream did not answer in time");
        }
    }

    // ------------------------------------------------------------------ the upstream side

    /** The response side of a pooled upstream connection; {@link #downstream} is the request it serves. */
    static final class Upstream extends ChannelInboundHandlerAdapter {
        Downstream downstream;

        @Override
        public void channelRead(ChannelHandlerContext upCtx, Object msg) {
            Downstream d = downstream;
            if (d == null || d.upstream != upCtx.channel()) {
                ReferenceCountUtil.release(msg); // an answer nobody waits for (after a timeout)
                upCtx.close();
                return;
            }
            d.response(upCtx.channel(), msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext upCtx) {
            Downstream d = downstream;
            if (d != null && d.upstream == upCtx.channel()) {
                d.ctx.flush();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext upCtx) {
            Downstream d = downstream;
            if (d != null && d.upstream == upCtx.channel() && upCtx.channel().isWritable() && !d.requestDone) {
                d.ctx.channel().config().setAutoRead(true); // the upstream drained: read more of the request body
            }
            upCtx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext upCtx) {
            Downstream d = downstream;
            if (d != null && d.upstream == upCtx.channel()) {
                d.upstreamLost();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext upCtx, Throwable cause) {
            upCtx.close();
        }
    }

    private boolean continueSent;

    private void response(Channel up, Object msg) {
        if (msg instanceof HttpResponse res) {
            if (res.status().code() == 100) {
                continueSent = true; // 100 Continue: pass it on, the real response follows
            } else {
                continueSent = false;
                responseStarted = true;
                if (timeout != null) {
                    timeout.cancel(false);
                }
                stats.responses.increment();
                boolean upKeep = HttpUtil.isKeepAlive(res);
                upstreamReusable = upKeep;
                res.headers().remove(HttpHeaderNames.CONNECTION).remove(HttpHeaderNames.KEEP_ALIVE);
                res.headers().add(HttpHeaderNames.VIA, VIA);
                if (!clientKeepAlive) {
                    res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                }
            }
        }
        boolean last = msg instanceof LastHttpContent;
        if (last && continueSent) {
            continueSent = false;
            ctx.writeAndFlush(msg);
            return;
        }
        ctx.write(msg, ctx.voidPromise());
        if (!ctx.channel().isWritable()) {
            up.config().setAutoRead(false);
        }
        if (last && responseStarted) {
            finish(up);
        }
    }

    private boolean upstreamReusable;

    private void finish(Channel up) {
        ctx.flush();
        upstream = null;
        inFlight = false;
        if (upstreamReusable && requestDone && up.isActive()) {
            up.config().setAutoRead(true);
            ((Upstream) up.pipeline().last()).downstream = null;
            router.on(ctx.channel().eventLoop()).pool.release(endpoint, up);
        } else {
            up.close();
        }
        if (clientKeepAlive) {
            ctx.channel().config().setAutoRead(true);
        } else {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void upstreamLost() {
        upstream = null;
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (!responseStarted && inFlight) {
            respond(HttpResponseStatus.BAD_GATEWAY, null, "the upstream closed before answering");
        } else if (inFlight) {
            ctx.close(); // mid-response: the client must see the response was cut short
        }
    }

    // ------------------------------------------------------------------ local answers

    private void reject(HttpResponseStatus status, Refusal refusal, String why) {
        clientKeepAlive = false;
        inFlight = true;
        respond(status, refusal, why);
    }

    /** Answers the request here (no upstream); keeps the connection if the client wants it and the body was read. */
    private void respond(HttpResponseStatus status, Refusal refusal, String why) {
        releaseHeld();
        stats.localAnswers.increment();
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(why + "\n", StandardCharsets.UTF_8));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes());
        if (refusal != null) {
            res.headers().set("x-nines-refusal", refusal.code());
        }
        // A body we did not read (or did not finish) makes the connection unusable for the next request.
        boolean keep = clientKeepAlive && (requestDone || bodyless);
        if (!keep) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        inFlight = false;
        if (keep) {
            ctx.writeAndFlush(res);
            ctx.channel().config().setAutoRead(true);
        } else {
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void releaseHeld() {
        while (!held.isEmpty()) {
            ReferenceCountUtil.release(held.poll());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
    }

    private void release() {
        releaseHeld();
        if (timeout != null) {
            timeout.cancel(false);
        }
        Channel up = upstream;
        upstream = null;
        if (up != null) {
            up.close(); // mid-request: the upstream connection is in an unknown state
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
