package io.nines.core.bulkhead;

import java.util.Map;

/**
 * Immutable, validated configuration of a {@link Bulkhead}; built by {@link BulkheadBuilder#config()}.
 *
 * @param maxConcurrentCalls          calls in flight at once, all callers together
 * @param perCaller                   also cap each caller id ({@code CallContext.caller()}); the {@code null}
 *                                    caller shares one default entry
 * @param perCallerMaxConcurrentCalls each caller's own cap, unless overridden
 * @param overrides                   caller id → its own cap
 * @param maxCallers                  most callers tracked at once; callers with nothing in flight are dropped
 *                                    first (callers with calls in flight are never dropped)
 */
public record BulkheadConfig(int maxConcurrentCalls, boolean perCaller, int perCallerMaxConcurrentCalls,
        Map<String, Integer> overrides, int maxCallers) {

    public BulkheadConfig {
        overrides = Map.copyOf(overrides);
    }

    /** The cap of {@code caller}: its override, else the per-caller default. */
    public int maxConcurrentCallsOf(String caller) {
        if (caller != null) {
            Integer max = overrides.get(caller);
            if (max != null) {
                return max;
            }
        }
        return perCallerMaxConcurrentCalls;
    }
}
