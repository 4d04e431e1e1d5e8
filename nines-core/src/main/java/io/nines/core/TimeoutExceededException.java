package io.nines.core;

/** The call did not complete within its timeout. */
public final class TimeoutExceededException extends RefusedException {

    public TimeoutExceededException(String policy, String message) {
        super(Refusal.TIMEOUT, policy, message);
    }
}
