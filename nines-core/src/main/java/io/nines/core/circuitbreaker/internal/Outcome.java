package io.nines.core.circuitbreaker.internal;

/**
 * A recorded call as bit flags, so that a count-window slot and the counter deltas derive from one int:
 * {@link #CALL} is always set; {@link #FAILED} and {@link #SLOW} may be added. 0 is an empty slot.
 */
final class Outcome {

    static final int EMPTY = 0;
    static final int CALL = 1;
    static final int FAILED = 2;
    static final int SLOW = 4;

    static final int SUCCESS = CALL;

    private Outcome() {
    }

    static int of(boolean failed, boolean slow) {
        return CALL | (failed ? FAILED : 0) | (slow ? SLOW : 0);
    }

    static boolean failed(int outcome) {
        return (outcome & FAILED) != 0;
    }

    static boolean slow(int outcome) {
        return (outcome & SLOW) != 0;
    }
}
