package io.nines.core;

/** The circuit breaker is open: the target is failing and calls are not sent to it. */
public final class CircuitOpenException extends RefusedException {

    public CircuitOpenException(String policy, String message) {
        super(Refusal.CIRCUIT_OPEN, policy, message);
    }
}
