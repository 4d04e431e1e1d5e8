package io.nines.micrometer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.nines.core.CallContext;
import io.nines.core.Refusal;
import io.nines.core.RefusedException;
import io.nines.core.spi.CallObserver;
import java.util.EnumMap;
import java.util.concurrent.TimeUnit;

/**
 * Times every call of a pipeline by outcome, as {@code nines.calls{pipeline, outcome}} where outcome is
 * {@code success}, {@code failure} or the refusal code ({@code circuit_open}, {@code rate_limited},
 * ...). Set it as the pipeline's observer ({@code builder.observer(new CallMetrics(name, registry))}):
 * it then sees refusals by every policy. Timers are registered up front, so recording allocates nothing.
 */
public final class CallMetrics implements CallObserver {

    private final String pipeline;
    private final Timer success;
    private final Timer failure;
    private final EnumMap<Refusal, Timer> refused = new EnumMap<>(Refusal.class);

    public CallMetrics(String pipeline, MeterRegistry registry) {
        this.pipeline = pipeline;
        this.success = timer(registry, "success");
        this.failure = timer(registry, "failure");
        for (Refusal r : Refusal.values()) {
            refused.put(r, timer(registry, r.code()));
        }
    }

    private Timer timer(MeterRegistry registry, String outcome) {
        return Timer.builder("nines.calls").tag("pipeline", pipeline).tag("outcome", outcome)
                .description("calls through a Nines pipeline, by outcome").register(registry);
    }

    @Override
    public void onCall(CallContext context, long durationNanos, Object result, Throwable error) {
        Timer t = error == null ? success
                : error instanceof RefusedException r ? refused.get(r.refusal())
                : failure;
        t.record(durationNanos, TimeUnit.NANOSECONDS);
    }
}
