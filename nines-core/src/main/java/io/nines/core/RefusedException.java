package io.nines.core;

/**
 * A call was refused by a policy and never reached its target (or, for {@link TimeoutExceededException},
 * its result was abandoned). The subclasses are the whole list of causes; switch on them or on
 * {@link #refusal()}. Refusals carry no stack trace: they are expected under load and must be cheap.
 */
public abstract sealed class RefusedException extends RuntimeException
        permits CircuitOpenException, RateLimitedException, ShedException, BulkheadFullException,
        TimeoutExceededException, IslandFencedException, NoHealthyEndpointException, StaleEpochException,
        DegradedException, IdempotencyInProgressException {

    private final Refusal refusal;
    private final String policy;

    protected RefusedException(Refusal refusal, String policy, String message) {
        super(message, null, false, false);
        this.refusal = refusal;
        this.policy = policy;
    }

    public final Refusal refusal() {
        return refusal;
    }

    /** Name of the policy instance that refused (e.g. the circuit breaker's name). */
    public final String policy() {
        return policy;
    }

    /** The RESP error line body, e.g. {@code RATELIMITED caller=A policy=api: ...}. */
    public String toRespError() {
        return refusal.respPrefix() + " " + getMessage();
    }
}
