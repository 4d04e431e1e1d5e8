package io.nines.testkit.net;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports on 127.0.0.1 for servers that must keep their port across a restart (a peer listed in
 * other peers' configuration, a replica's primary).
 *
 * <p>Ports are picked below the kernel's ephemeral range when it is known, so the port of a stopped
 * server cannot be taken by some client's outgoing connection before the server restarts.
 */
public final class LoopbackPorts {

    private static final int LOWEST = 10_000;

    private LoopbackPorts() {
    }

    /** A port that was free on 127.0.0.1 a moment ago. */
    public static int pick() {
        int ephemeralLow = ephemeralRangeStart();
        if (ephemeralLow - LOWEST >= 1_000) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int attempt = 0; attempt < 200; attempt++) {
                int port = random.nextInt(LOWEST, ephemeralLow);
                if (isFree(port)) {
                    return port;
                }
            }
        }
        // Unknown range: let the kernel choose.
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free loopback port", e);
        }
    }

    /** Whether a listener could bind 127.0.0.1:port now. */
    public static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The first port of the kernel's ephemeral range, or -1 if unknown. One buffered read on purpose:
     * {@code Files.readString} trusts the sysctl file's size (0), reads one byte and gets EOF at offset 1,
     * so it returned "3" and every port came from the kernel, inside the ephemeral range, where a link's
     * listener took a node's quorum port (bound only while the node leads).
     */
    static int ephemeralRangeStart() {
        try (InputStream in = Files.newInputStream(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
            String range = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
