package io.nines.core;

/**
 * Why a call was refused instead of run. One value per cause, with the same machine-readable code
 * in the Java API ({@link RefusedException#refusal()}), in HTTP (status plus the
 * {@value #HTTP_HEADER} header) and in RESP (the error prefix).
 */
public enum Refusal {
    /** The circuit breaker is open (or forced open): the target is failing, calls are not sent. */
    CIRCUIT_OPEN("circuit_open", 503, "CIRCUITOPEN", true),
    /** The caller exceeded its quota; only that caller is refused. */
    RATE_LIMITED("rate_limited", 429, "RATELIMITED", false),
    /** The adaptive concurrency limit shed the call before latency collapses. */
    SHED("shed", 503, "SHED", true),
    /** The fixed concurrency limit (bulkhead) is full. */
    BULKHEAD_FULL("bulkhead_full", 503, "BULKHEADFULL", true),
    /** The call did not finish within its timeout. */
    TIMEOUT("timeout", 504, "TIMEOUT", true),
    /** This zone is an island: guarded operations are refused so the caller retries in another zone. */
    ISLAND_FENCED("island_fenced", 503, "ISLANDFENCED", true),
    /** No endpoint of the target is healthy. */
    NO_HEALTHY_ENDPOINT("no_healthy_endpoint", 503, "NOENDPOINT", true),
    /** The request carried a topology epoch older than the current one. */
    STALE_EPOCH("stale_epoch", 409, "STALEEPOCH", true),
    /** A duplicate of this idempotent request is still running elsewhere; ask again later for its outcome. */
    DUPLICATE_IN_PROGRESS("duplicate_in_progress", 409, "INPROGRESS", false),
    /** A degrade switch turned this non-critical path off. */
    DEGRADED("degraded", 503, "DEGRADED", false);

    /** HTTP response header carrying {@link #code()}. */
    public static final String HTTP_HEADER = "x-nines-refusal";

    private final String code;
    private final int httpStatus;
    private final String respPrefix;
    private final boolean retryElsewhere;

    Refusal(String code, int httpStatus, String respPrefix, boolean retryElsewhere) {
        this.code = code;
        this.httpStatus = httpStatus;
        this.respPrefix = respPrefix;
        this.retryElsewhere = retryElsewhere;
    }

    /** Stable snake_case identifier, e.g. {@code circuit_open}. */
    public String code() {
        return code;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** First word of the RESP error reply, e.g. {@code -CIRCUITOPEN ...}. */
    public String respPrefix() {
        return respPrefix;
    }

    /**
     * Whether a caller may reasonably try the same request at another instance, endpoint or zone.
     * It is never a reason to retry at the same target: refusals mean overload or fencing there.
     */
    public boolean retryElsewhere() {
        return retryElsewhere;
    }

    /** The refusal with the given {@link #code()}, or {@code null}. */
    public static Refusal fromCode(String code) {
        for (Refusal r : values()) {
            if (r.code.equals(code)) {
                return r;
            }
        }
        return null;
    }
}
