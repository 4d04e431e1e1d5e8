package io.nines.core.bulkhead;

import static io.nines.core.InvalidConfigException.positive;
import static io.nines.core.InvalidConfigException.required;

import io.nines.core.Clock;
import io.nines.core.InvalidConfigException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Fluent builder of a {@link Bulkhead}; {@link #config()} and {@link #build()} validate every field. */
public final class BulkheadBuilder {

    static final String POLICY = "bulkhead";

    private final String name;
    private int maxConcurrentCalls = 25;
    private boolean perCaller;
    private Integer perCallerMaxConcurrentCalls;
    private final Map<String, Integer> overrides = new LinkedHashMap<>();
    private int maxCallers = 10_000;
    private Clock clock = Clock.system();

    BulkheadBuilder(String name) {
        this.name = name;
    }

    public BulkheadBuilder from(BulkheadConfig config) {
        maxConcurrentCalls = config.maxConcurrentCalls();
        perCaller = config.perCaller();
        perCallerMaxConcurrentCalls = config.perCallerMaxConcurrentCalls();
        overrides.clear();
        overrides.putAll(config.overrides());
        maxCallers = config.maxCallers();
        return this;
    }

    /** Calls in flight at once, all callers together. Default 25. */
    public BulkheadBuilder maxConcurrentCalls(int max) {
        this.maxConcurrentCalls = max;
        return this;
    }

    /** Also cap each caller. Default false. */
    public BulkheadBuilder perCaller(boolean perCaller) {
        this.perCaller = perCaller;
        return this;
    }

    /** Each caller's cap unless overridden; defaults to {@code maxConcurrentCalls}. */
    public BulkheadBuilder perCallerMaxConcurrentCalls(int max) {
        this.perCallerMaxConcurrentCalls = max;
        return this;
    }

    /** {@code caller}'s own cap. */
    public BulkheadBuilder override(String caller, int max) {
        overrides.put(caller, max);
        return this;
    }

    /** Most callers tracked at once. Default 10 000. */
    public BulkheadBuilder maxCallers(int maxCallers) {
        this.maxCallers = maxCallers;
        return this;
    }

    public BulkheadBuilder clock(Clock clock) {
        this.clock = clock;
        return this;
    }

    public BulkheadConfig config() {
        required(POLICY, "name", name);
        positive(POLICY, "maxConcurrentCalls", maxConcurrentCalls);
        int perCallerMax = perCallerMaxConcurrentCalls == null ? maxConcurrentCalls : perCallerMaxConcurrentCalls;
        positive(POLICY, "perCallerMaxConcurrentCalls", perCallerMax);
        for (Map.Entry<String, Integer> e : overrides.entrySet()) {
            if (e.getKey() == null) {
                throw new InvalidConfigException(POLICY, "overrides", "caller id must be set");
            }
            String field = "overrides[" + e.getKey() + "]";
            positive(POLICY, field, required(POLICY, field, e.getValue()));
        }
        positive(POLICY, "maxCallers", maxCallers);
        return new BulkheadConfig(maxConcurrentCalls, perCaller, perCallerMax, overrides, maxCallers);
    }

    public Bulkhead build() {
        BulkheadConfig config = config();
        return Bulkhead.of(name, config, required(POLICY, "clock", clock));
    }
}
