package io.nines.core.spi;

import io.nines.core.CallContext;

/**
 * Sees every call of a pipeline once it has ended, whatever ended it: success, failure of the action,
 * or a refusal by any policy (including the degrade switch and outer gates). Metrics and access logs
 * are observers. Runs on the calling thread (or the thread completing an async call): keep it cheap.
 */
@FunctionalInterface
public interface CallObserver {

    /**
     * @param durationNanos from the call's entry into the pipeline to its end, retries included
     * @param result        the result when the call succeeded
     * @param error         the failure or refusal ({@link io.nines.core.RefusedException}), or {@code null}
     */
    void onCall(CallContext context, long durationNanos, Object result, Throwable error);
}
