package io.nines.core;

/** All permits of the bulkhead are in use. */
public final class BulkheadFullException extends RefusedException {

    public BulkheadFullException(String policy, String message) {
        super(Refusal.BULKHEAD_FULL, policy, message);
    }
}
