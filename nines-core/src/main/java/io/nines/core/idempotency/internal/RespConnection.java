package io.nines.core.idempotency.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One socket speaking RESP2: a command is an array of bulk strings; replies are parsed into
 * {@code String} (simple string), {@link RespError} (error), {@code Long} (integer), {@code byte[]} or
 * {@code null} (bulk string), {@code List<Object>} or {@code null} (array). Not thread-safe: the pool
 * lends it to one caller at a time. Malformed input is an {@link IOException}, after which the
 * connection must be closed.
 */
final class RespConnection implements AutoCloseable {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final int MAX_LINE = 64 * 1024;
    private static final long MAX_BULK = 512L * 1024 * 1024; // Redis's own proto-max-bulk-len default
    private static final int MAX_DEPTH = 32;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RespConnection(String host, int port, int timeoutMillis) throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
            s.connect(new InetSocketAddress(host, port), timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            this.in = new BufferedInputStream(s.getInputStream(), 8192);
            this.out = new BufferedOutputStream(s.getOutputStream(), 8192);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        this.socket = s;
    }

    /** Sends one command and reads its reply. */
    Object roundTrip(byte[][] command) throws IOException {
        writeCommand(out, command);
        out.flush();
        return read(in, 0);
    }

    static void writeCommand(OutputStream out, byte[][] command) throws IOException {
        out.write(('*' + Integer.toString(command.length)).getBytes(StandardCharsets.US_ASCII));
        out.write(CRLF);
        for (byte[] arg : command) {
            out.write(('$' + Integer.toString(arg.length)).getBytes(StandardCharsets.US_ASCII));
            out.write(CRLF);
            out.write(arg);
            out.write(CRLF);
        }
    }

    /** Parses one reply from {@code in}. */
    static Object read(InputStream in, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new IOException("RESP protocol error: arrays nested deeper than " + MAX_DEPTH);
        }
        int type = in.read();
        if (type < 0) {
            throw new EOFException("Redis closed the connection");
        }
        switch (type) {
            case '+':
                return readLine(in);
            case '-':
                return new RespError(readLine(in));
            case ':':
                return parseLong(readLine(in));
            case '$': {
                long len = parseLong(readLine(in));
                if (len == -1) {
                    return null;
                }
                if (len < 0 || len > MAX_BULK) {
                    throw new IOException("RESP protocol error: bulk length " + len);
                }
                byte[] bytes = in.readNBytes((int) len);
                if (bytes.length < len) {
                    throw new EOFException("Redis closed the connection inside a bulk string");
                }
                if (in.read() != '\r' || in.read() != '\n') {
                    throw new IOException("RESP protocol error: bulk string not followed by CRLF");
                }
                return bytes;
            }
            case '*': {
                long n = parseLong(readLine(in));
                if (n == -1) {
                    return null;
                }
                if (n < 0 || n > Integer.MAX_VALUE - 8) {
                    throw new IOException("RESP protocol error: array length " + n);
                }
                List<Object> items = new ArrayList<>((int) Math.min(n, 1024));
                for (long i = 0; i < n; i++) {
                    items.add(read(in, depth + 1));
                }
                return items;
            }
            default:
                throw new IOException("RESP protocol error: unexpected reply type byte " + type);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(32);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("Redis closed the connection inside a reply line");
            }
            if (b == '\r') {
                if (in.read() != '\n') {
                    throw new IOException("RESP protocol error: CR not followed by LF");
                }
                return line.toString(StandardCharsets.UTF_8);
            }
            if (line.size() >= MAX_LINE) {
                throw new IOException("RESP protocol error: reply line longer than " + MAX_LINE + " bytes");
            }
            line.write(b);
        }
    }

    private static long parseLong(String s) throws IOException {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IOException("RESP protocol error: not an integer: " + s, e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
