package io.nines.core.bulkhead;

/** What a {@link Bulkhead} reports to its listeners. */
public sealed interface BulkheadEvent {

    /** The bulkhead's name. */
    String name();

    long timeMillis();

    /**
     * A call was refused.
     *
     * @param caller      the caller refused ({@code null} when unknown)
     * @param callerLimit true when the caller's own cap refused it, false when the total cap did
     * @param limit       the cap that was reached
     */
    record Refused(String name, String caller, boolean callerLimit, int limit, long timeMillis)
            implements BulkheadEvent {
    }
}
