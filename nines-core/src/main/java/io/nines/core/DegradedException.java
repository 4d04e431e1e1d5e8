package io.nines.core;

/** A degrade switch has turned this path off. */
public final class DegradedException extends RefusedException {

    public DegradedException(String policy, String message) {
        super(Refusal.DEGRADED, policy, message);
    }
}
