package io.nines.core.idempotency.internal;

import io.nines.core.idempotency.OutcomeCodec;
import io.nines.core.idempotency.OutcomeCodecException;
import io.nines.core.idempotency.RecordedOutcome;
import java.util.Arrays;

/**
 * The bytes of a {@link RecordedOutcome} in an external store: one tag byte, then the codec's bytes.
 * {@code 'N'} a null value (no codec call), {@code 'V'} a value, {@code 'F'} a recorded error. The tag
 * keeps codecs simple: they only see non-null values and throwables.
 */
public final class OutcomePayload {

    private static final byte NULL = 'N';
    private static final byte VALUE = 'V';
    private static final byte FAILURE = 'F';

    private OutcomePayload() {
    }

    public static byte[] encode(OutcomeCodec codec, RecordedOutcome outcome) {
        return switch (outcome) {
            case RecordedOutcome.Value v when v.value() == null -> new byte[] {NULL};
            case RecordedOutcome.Value v -> tagged(VALUE, codec.encode(v.value()));
            case RecordedOutcome.Failure f -> tagged(FAILURE, codec.encode(f.error()));
        };
    }

    public static RecordedOutcome decode(OutcomeCodec codec, byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new OutcomeCodecException("a recorded outcome is empty");
        }
        byte tag = bytes[0];
        if (tag == NULL) {
            return RecordedOutcome.value(null);
        }
        Object decoded = codec.decode(Arrays.copyOfRange(bytes, 1, bytes.length));
        if (tag == VALUE) {
            return RecordedOutcome.value(decoded);
        }
        if (tag == FAILURE && decoded instanceof Throwable t) {
            return RecordedOutcome.failure(t);
        }
        throw new OutcomeCodecException("a recorded outcome has an unknown tag " + tag + " or a failure that is not"
                + " a Throwable");
    }

    private static byte[] tagged(byte tag, byte[] body) {
        byte[] out = new byte[body.length + 1];
        out[0] = tag;
        System.arraycopy(body, 0, out, 1, body.length);
        return out;
    }
}
