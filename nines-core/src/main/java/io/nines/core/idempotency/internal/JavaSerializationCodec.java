package io.nines.core.idempotency.internal;

import io.nines.core.idempotency.OutcomeCodec;
import io.nines.core.idempotency.OutcomeCodecException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.NotSerializableException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;

/** The default {@link OutcomeCodec}: Java serialization, with resource limits on decoding. */
public final class JavaSerializationCodec implements OutcomeCodec {

    /** Bounds what a corrupt or hostile record can make us allocate. */
    private static final ObjectInputFilter LIMITS =
            ObjectInputFilter.Config.createFilter("maxdepth=64;maxrefs=1000000;maxbytes=67108864;maxarray=16777216");

    private final ObjectInputFilter filter;

    public JavaSerializationCodec(ObjectInputFilter filter) {
        this.filter = filter;
    }

    @Override
    public byte[] encode(Object value) {
        if (!(value instanceof Serializable)) {
            throw notSerializable(value.getClass().getName(), null);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        } catch (NotSerializableException e) {
            // Serializable itself, but holding a field that is not: e.getMessage() names that class.
            throw notSerializable(value.getClass().getName() + " (it holds a " + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new OutcomeCodecException("cannot serialize outcome of type " + value.getClass().getName(), e);
        }
        return bytes.toByteArray();
    }

    @Override
    public Object decode(byte[] bytes) {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            in.setObjectInputFilter(filter == null ? ObjectInputFilter.merge(LIMITS, in.getObjectInputFilter())
                    : ObjectInputFilter.merge(filter, LIMITS));
            return in.readObject();
        } catch (ClassNotFoundException | InvalidClassException e) {
            throw new OutcomeCodecException("cannot decode a recorded outcome: its class is missing, changed or"
                    + " refused by the serial filter (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new OutcomeCodecException("cannot decode a recorded outcome: " + e, e);
        }
    }

    private static OutcomeCodecException notSerializable(String what, Throwable cause) {
        return new OutcomeCodecException("cannot record an idempotent outcome of type " + what
                + ": it is not java.io.Serializable. Make it Serializable or give the store an OutcomeCodec"
                + " that can encode it", cause);
    }
}
