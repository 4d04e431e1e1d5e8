package io.nines.failover;

/** A manager operation (switchover) was refused; the message says why. Nothing was changed. */
public final class FailoverRefusedException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public FailoverRefusedException(String message) {
        super(message);
    }
}
