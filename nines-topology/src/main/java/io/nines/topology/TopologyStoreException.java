package io.nines.topology;

/**
 * The store could not be reached, timed out, or holds data it cannot read. Callers that only read keep
 * going from their cached {@link TopologyView}; writers (the failover manager) retry or give up.
 */
public final class TopologyStoreException extends TopologyException {

    public TopologyStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
