package io.nines.core.concurrencylimit;

/** What a {@link ConcurrencyLimit} reports to its listeners. */
public sealed interface ConcurrencyLimitEvent {

    /** The concurrency limit's name. */
    String name();

    long timeMillis();

    /** The limit moved (published only when its integer value changes). */
    record LimitChanged(String name, int oldLimit, int newLimit, long timeMillis) implements ConcurrencyLimitEvent {
    }

    /**
     * A call was shed.
     *
     * @param caller      the caller shed ({@code null} when unknown)
     * @param callerShare true when the caller's share of the limit was full, false when the limit itself was
     * @param limit       the limit at the time
     * @param inflight    calls in flight at the time (of the caller when {@code callerShare})
     */
    record Shed(String name, String caller, boolean callerShare, int limit, int inflight, long timeMillis)
            implements ConcurrencyLimitEvent {
    }
}
