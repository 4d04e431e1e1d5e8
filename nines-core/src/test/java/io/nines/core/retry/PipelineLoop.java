package io.nines.core.retry;

import io.nines.core.CallContext;
import java.util.function.Supplier;

/** What the pipeline does with a {@link Retry}, minus the sleeping: one logical request, all its attempts. */
final class PipelineLoop {

    private PipelineLoop() {
    }

    /** Runs one request against {@code target} (which returns the attempt's error, or null on success). */
    static int run(Retry retry, CallContext context, Supplier<Throwable> target) {
        retry.onRequest();
        int attempt = 0;
        for (;;) {
            attempt++;
            Throwable error = target.get();
            if (retry.nextDelayNanos(context, attempt, error == null ? "ok" : null, error) < 0) {
                return attempt;
            }
        }
    }
}
