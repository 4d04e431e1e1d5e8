package io.nines.failover;

/** How a probe of a node ended. */
public enum Reach {
    /** The server answered the probe. */
    OK,
    /**
     * The host answered that no server is there: connection refused, reset, or closed by the peer. The process
     * is dead (or its port is closed): it cannot accept writes, so no lease needs to run out before replacing it.
     */
    DEAD,
    /** No answer in time: the server may be alive on the other side of a partition. */
    TIMEOUT,
    /** The server answered with an error (too many connections, access denied, ...): it is alive. */
    ERROR;

    /** Whether the server showed it is alive (it answered, even with an error). */
    public boolean alive() {
        return this == OK || this == ERROR;
    }
}
