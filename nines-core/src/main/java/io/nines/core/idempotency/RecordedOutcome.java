package io.nines.core.idempotency;

/**
 * The outcome of an action as an {@link IdempotencyStore} keeps it: the value it returned, or the
 * business error it threw (only failures selected by {@link IdempotencyBuilder#recordFailuresIf} are
 * recorded; others release the key so the action may run again).
 */
public sealed interface RecordedOutcome permits RecordedOutcome.Value, RecordedOutcome.Failure {

    static RecordedOutcome value(Object value) {
        return new Value(value);
    }

    static RecordedOutcome failure(Throwable error) {
        return new Failure(error);
    }

    /** The action returned {@code value} (possibly {@code null}). */
    record Value(Object value) implements RecordedOutcome {
    }

    /** The action threw {@code error}, and the policy chose to record it. */
    record Failure(Throwable error) implements RecordedOutcome {
        public Failure {
            if (error == null) {
                throw new IllegalArgumentException("a recorded failure needs its error");
            }
        }
    }
}
