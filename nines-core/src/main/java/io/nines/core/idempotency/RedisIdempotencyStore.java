package io.nines.core.idempotency;

import io.nines.core.Clock;
import io.nines.core.idempotency.internal.OutcomePayload;
import io.nines.core.idempotency.internal.RespClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * An {@link IdempotencyStore} in Redis, spoken to directly over RESP (no client library). One string
 * per key under {@code keyPrefix}: {@code P|owner} while in progress, with the lease as its Redis TTL,
 * then {@code C|owner|payload} with the retention as TTL. {@code begin} is {@code SET NX PX} (exactly one
 * of concurrent callers sets it); complete and release are Lua scripts that compare the owner first, so
 * only the holder changes the record. A crashed holder's record vanishes when its lease TTL ends, and
 * the next {@code begin} acquires the key: Redis cannot tell that apart from a fresh key, so
 * {@link Acquired#previousOwner()} is always {@code null} here.
 *
 * <p>Use a Redis primary (or a Sentinel-managed one): with asynchronous replication, a failover can lose
 * a just-set record, as for any Redis lock.
 */
public final class RedisIdempotencyStore implements IdempotencyStore {

    private static final RespClient.Script BEGIN = RespClient.Script.of("""
            if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
            return {redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1])}
            """);
    private static final RespClient.Script COMPLETE = RespClient.Script.of("""
            local v = redis.call('GET', KEYS[1])
            if (not v) or v == ('P|' .. ARGV[1]) then
              redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
              return 1
            end
            local done = 'C|' .. ARGV[1] .. '|'
            if string.sub(v, 1, #done) == done then return 1 end
            return 0
            """);
    private static final RespClient.Script RELEASE = RespClient.Script.of("""
            if redis.call('GET', KEYS[1]) == ('P|' .. ARGV[1]) then
              redis.call('DEL', KEYS[1])
              return 1
            end
            return 0
            """);

    private final RespClient client;
    private final String keyPrefix;
    private final OutcomeCodec codec;
    private final Clock clock;

    /** A store at {@code host:port} with the defaults of {@link #builder}. */
    public RedisIdempotencyStore(String host, int port) {
        this(builder(host, port));
    }

    private RedisIdempotencyStore(Builder b) {
        this.client = new RespClient(b.host, b.port, b.maxConnections, b.timeout, b.password, b.database);
        this.keyPrefix = b.keyPrefix;
        this.codec = b.codec;
        this.clock = b.clock;
    }

    public static Builder builder(String host, int port) {
        return new Builder(host, port);
    }

    @Override
    public BeginResult begin(String key, String owner, Duration lease) {
        checkOwner(owner);
        Object reply;
        try {
            reply = client.eval(BEGIN, 1, redisKey(key), "P|" + owner, Math.max(1, lease.toMillis()));
        } catch (IOException e) {
            throw failed("begin", key, e);
        }
        if (reply instanceof Long one && one == 1L) {
            return Acquired.free();
        }
        if (reply instanceof List<?> found && found.size() == 2 && found.get(0) instanceof byte[] value
                && found.get(1) instanceof Long pttl) {
            return parse(key, value, pttl);
        }
        throw new IdempotencyStoreException("unexpected Redis reply to begin of key '" + key + "': " + reply);
    }

    private BeginResult parse(String key, byte[] value, long pttl) {
        if (value.length >= 2 && value[0] == 'P' && value[1] == '|') {
            String holder = new String(value, 2, value.length - 2, StandardCharsets.UTF_8);
            return new InProgress(holder, clock.currentTimeMillis() + Math.max(0, pttl));
        }
        if (value.length >= 2 && value[0] == 'C' && value[1] == '|') {
            int bar = indexOf(value, (byte) '|', 2);
            if (bar > 0) {
                return new Completed(OutcomePayload.decode(codec, Arrays.copyOfRange(value, bar + 1, value.length)));
            }
        }
        throw new IdempotencyStoreException("Redis key " + keyPrefix + key + " does not hold an idempotency record");
    }

    @Override
    public boolean complete(String key, String owner, RecordedOutcome outcome, Duration retention) {
        checkOwner(owner);
        byte[] payload = OutcomePayload.encode(codec, outcome);
        byte[] head = ("C|" + owner + "|").getBytes(StandardCharsets.UTF_8);
        byte[] value = Arrays.copyOf(head, head.length + payload.length);
        System.arraycopy(payload, 0, value, head.length, payload.length);
        try {
            return Long.valueOf(1L).equals(client.eval(COMPLETE, 1, redisKey(key), owner, value,
                    Math.max(1, retention.toMillis())));
        } catch (IOException e) {
            throw failed("complete", key, e);
        }
    }

    @Override
    public boolean release(String key, String owner) {
        checkOwner(owner);
        try {
            return Long.valueOf(1L).equals(client.eval(RELEASE, 1, redisKey(key), owner));
        } catch (IOException e) {
            throw failed("release", key, e);
        }
    }

    /** Closes the pooled sockets. */
    @Override
    public void close() {
        client.close();
    }

    private byte[] redisKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("an idempotency key must be a non-empty string");
        }
        return (keyPrefix + key).getBytes(StandardCharsets.UTF_8);
    }

    private static IdempotencyStoreException failed(String op, String key, IOException e) {
        return new IdempotencyStoreException("idempotency " + op + " of key '" + key + "' failed on Redis: " + e.getMessage(), e);
    }

    private static void checkOwner(String owner) {
        InMemoryIdempotencyStore.checkOwner(owner);
    }

    private static int indexOf(byte[] a, byte b, int from) {
        for (int i = from; i < a.length; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** Settings of a {@link RedisIdempotencyStore}. */
    public static final class Builder {
        private final String host;
        private final int port;
        private String keyPrefix = "nines:idem:";
        private OutcomeCodec codec = OutcomeCodec.javaSerialization();
        private Clock clock = Clock.system();
        private int maxConnections = 8;
        private Duration timeout = Duration.ofSeconds(2);
        private String password;
        private int database;

        private Builder(String host, int port) {
            this.host = host;
            this.port = port;
        }

        /** Prefix of every Redis key. Default {@code nines:idem:}. */
        public Builder keyPrefix(String prefix) {
            this.keyPrefix = prefix;
            return this;
        }

        /** How outcomes become bytes. Default Java serialization. */
        public Builder codec(OutcomeCodec codec) {
            this.codec = codec;
            return this;
        }

        /** Turns the lease TTL Redis reports into a wall-clock expiry. Default the system clock. */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** Most sockets open at once (callers beyond wait up to {@code timeout}). Default 8. */
        public Builder maxConnections(int max) {
            this.maxConnections = max;
            return this;
        }

        /** Connect and read timeout, and the longest wait for a free socket. Default 2 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Sent with {@code AUTH} on each new socket. Default none. */
        public Builder password(String password) {
            this.password = password;
            return this;
        }

        /** Selected on each new socket. Default 0. */
        public Builder database(int database) {
            this.database = database;
            return this;
        }

        public RedisIdempotencyStore build() {
            if (keyPrefix == null || codec == null || clock == null) {
                throw new IllegalArgumentException("keyPrefix, codec and clock must be set");
            }
            return new RedisIdempotencyStore(this);
        }
    }
}
