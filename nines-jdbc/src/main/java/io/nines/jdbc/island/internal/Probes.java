package io.nines.jdbc.island.internal;

import io.nines.jdbc.island.Peer;
import io.nines.jdbc.island.PeerProbe;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The built-in {@link PeerProbe}s: plain sockets, so they run on virtual threads and time out on their own. */
public final class Probes {

    public static final PeerProbe TCP_CONNECT = new Probe("tcpConnect", null, s -> true);
    public static final PeerProbe GREETING = new Probe("greeting", null, s -> s.getInputStream().read() >= 0);

    private Probes() {
    }

    public static PeerProbe httpGet(String path) {
        if (path == null || !path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ' || c == 127)) {
            throw new IllegalArgumentException("http probe path must start with '/' and contain no spaces or controls, was '" + path + "'");
        }
        return new Probe("httpGet " + path, path, s -> {
            OutputStream out = s.getOutputStream();
            String host = s.getInetAddress().getHostAddress();
            String req = "GET " + path + " HTTP/1.1\r\nHost: " + (host.indexOf(':') >= 0 ? "[" + host + "]" : host)
                    + ":" + s.getPort() + "\r\nUser-Agent: nines-island-guard\r\nConnection: close\r\n\r\n";
            out.write(req.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] head = new byte[5];
            InputStream in = s.getInputStream();
            int n = 0;
            while (n < head.length) {
                int r = in.read(head, n, head.length - n);
                if (r < 0) {
                    return false;
                }
                n += r;
            }
            return new String(head, StandardCharsets.US_ASCII).equals("HTTP/");
        });
    }

    @FunctionalInterface
    private interface Exchange {
        boolean run(Socket connected) throws IOException;
    }

    private record Probe(String label, String path, Exchange exchange) implements PeerProbe {

        @Override
        public boolean answers(Peer peer, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            try (Socket s = new Socket()) {
                InetSocketAddress address = new InetSocketAddress(peer.host(), peer.port()); // resolved per probe
                if (address.isUnresolved()) {
                    return false;
                }
                s.connect(address, millisLeft(deadline));
                s.setSoTimeout(millisLeft(deadline));
                return exchange.run(s);
            } catch (IOException | RuntimeException e) {
                return false; // refused, timed out, reset, unresolvable: not an answer
            }
        }

        /** At least 1 ms: 0 would mean "no timeout" to the socket. */
        private static int millisLeft(long deadline) {
            return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (deadline - System.nanoTime()) / 1_000_000));
        }

        @Override
        public String toString() {
            return "PeerProbe." + label;
        }
    }
}
