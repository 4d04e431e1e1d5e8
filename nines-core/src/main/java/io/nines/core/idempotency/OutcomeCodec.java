package io.nines.core.idempotency;

import io.nines.core.idempotency.internal.JavaSerializationCodec;
import java.io.ObjectInputFilter;

/**
 * Turns recorded values and errors into bytes and back, for stores outside the process
 * ({@link JdbcIdempotencyStore}, {@link RedisIdempotencyStore}). Never sees {@code null}: stores encode
 * a {@code null} value themselves. Implementations throw {@link OutcomeCodecException} with a clear
 * message when an object cannot be encoded or bytes cannot be decoded.
 */
public interface OutcomeCodec {

    byte[] encode(Object value);

    Object decode(byte[] bytes);

    /**
     * The default: Java serialization of {@link java.io.Serializable} values (errors are Serializable).
     * A value that is not fails with an {@link OutcomeCodecException} naming its class. Decoding applies
     * the JVM-wide serial filter, if any, and limits depth, references and size; the store must be trusted.
     */
    static OutcomeCodec javaSerialization() {
        return new JavaSerializationCodec(null);
    }

    /** Java serialization, decoding only what {@code filter} allows (e.g. your own packages). */
    static OutcomeCodec javaSerialization(ObjectInputFilter filter) {
        return new JavaSerializationCodec(filter);
    }
}
