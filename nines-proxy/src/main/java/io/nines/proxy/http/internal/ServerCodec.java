package io.nines.proxy.http.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Netty's {@code HttpServerCodec}, with one change: a request carrying both {@code Content-Length} and
 * {@code Transfer-Encoding} is refused (a failed decode: the proxy answers 400 and closes) instead of being
 * silently read as chunked, since two parsers that disagree on a body's end are how requests get smuggled.
 * Like the original it remembers each request's method so that a response to {@code HEAD} is encoded without body.
 */
final class ServerCodec extends CombinedChannelDuplexHandler<HttpRequestDecoder, HttpResponseEncoder> {

    private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>();

    ServerCodec(int maxInitialLine, int maxHeaders, int maxChunk) {
        init(new Decoder(maxInitialLine, maxHeaders, maxChunk), new Encoder());
    }

    private final class Decoder extends HttpRequestDecoder {
        Decoder(int maxInitialLine, int maxHeaders, int maxChunk) {
            super(maxInitialLine, maxHeaders, maxChunk);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
            int before = out.size();
            super.decode(ctx, buffer, out);
            for (int i = before; i < out.size(); i++) {
                if (out.get(i) instanceof HttpRequest req) {
                    methods.add(req.method());
                }
            }
        }

        @Override
        protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
            throw new IllegalArgumentException("both Content-Length and Transfer-Encoding (refused: request smuggling)");
        }
    }

    private final class Encoder extends HttpResponseEncoder {
        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            if (msg.status().codeClass() == HttpStatusClass.INFORMATIONAL && msg.status().code() != 101) {
                return super.isContentAlwaysEmpty(msg); // 100 Continue: the final response still comes
            }
            HttpMethod method = methods.poll();
            return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
        }
    }
}
