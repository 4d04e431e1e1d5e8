package io.nines.core.idempotency;

/**
 * An outcome could not be encoded for, or decoded from, a store: a result that is not Serializable
 * under the default codec, a class that changed or disappeared since it was recorded. A programming or
 * deployment error rather than an outage, so it is reported to the caller.
 */
public class OutcomeCodecException extends RuntimeException {

    public OutcomeCodecException(String message, Throwable cause) {
        super(message, cause);
    }

    public OutcomeCodecException(String message) {
        super(message);
    }
}
