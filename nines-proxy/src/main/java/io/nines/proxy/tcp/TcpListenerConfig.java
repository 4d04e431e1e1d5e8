package io.nines.proxy.tcp;

import io.nines.core.InvalidConfigException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * An L4 listener: every connection accepted on {@code bind} is relayed, bytes as they are, to one of its
 * {@link TcpTargets} (round robin; a target that refuses or times out is skipped for the next one).
 *
 * @param name           the listener's name (logs, stats)
 * @param bind           where it listens (port 0: an ephemeral port, see {@link TcpProxy#address()})
 * @param connectTimeout how long one upstream connect may take before the next target is tried
 * @param idleTimeout    a connection with no bytes either way for this long is closed ({@link Duration#ZERO}: never)
 */
public record TcpListenerConfig(String name, InetSocketAddress bind, Duration connectTimeout, Duration idleTimeout) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);

    public TcpListenerConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bind, "bind");
        if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new InvalidConfigException(name, "connectTimeout", "must be > 0, was " + connectTimeout);
        }
        if (idleTimeout == null || idleTimeout.isNegative()) {
            throw new InvalidConfigException(name, "idleTimeout", "must be >= 0 (0: never), was " + idleTimeout);
        }
    }

    /** A listener with the default connect timeout and no idle timeout. */
    public static TcpListenerConfig of(String name, InetSocketAddress bind) {
        return new TcpListenerConfig(name, bind, DEFAULT_CONNECT_TIMEOUT, Duration.ZERO);
    }
}
