package io.nines.core;

/** The caller exceeded its quota. Only this caller is refused; {@link #caller()} says which. */
public final class RateLimitedException extends RefusedException {

    private final String caller;

    public RateLimitedException(String policy, String caller, String message) {
        super(Refusal.RATE_LIMITED, policy, message);
        this.caller = caller;
    }

    /** The caller id whose quota is exhausted, or {@code null} for a limiter shared by all callers. */
    public String caller() {
        return caller;
    }

    @Override
    public String toRespError() {
        return Refusal.RATE_LIMITED.respPrefix() + " caller=" + caller + " " + getMessage();
    }
}
