package io.nines.core;

/** The adaptive concurrency limit shed the call to keep latency from collapsing. */
public final class ShedException extends RefusedException {

    public ShedException(String policy, String message) {
        super(Refusal.SHED, policy, message);
    }
}
