package io.nines.jdbc;

import io.nines.topology.Endpoint;

/**
 * What every connection handed out by a {@link NinesDataSource} also is: {@code conn.unwrap(NinesConnection.class)}
 * (or a plain cast) tells where it goes and under which topology epoch it was opened.
 */
public interface NinesConnection {

    /** Why the connection was handed out; decides where it goes and what is checked. */
    enum Purpose {
        /** {@link NinesDataSource#getConnection()}: the primary; revoked when the primary changes or is fenced. */
        WRITE,
        /**
         * {@link NinesDataSource#getGuardedConnection()}: as {@link #WRITE}, and the island guard is checked when
         * borrowed, before every statement and before every commit.
         */
        GUARDED,
        /** {@link NinesDataSource#getReadConnection()}: a healthy, lag-bounded replica (or the primary); read-only. */
        READ
    }

    /** The cluster's name. */
    String cluster();

    /** The topology epoch the connection was opened under. */
    long epoch();

    /** The endpoint it is connected to. */
    Endpoint endpoint();

    Purpose purpose();

    /**
     * Whether a newer topology took its endpoint away (a new primary, or the endpoint fenced): every further call
     * fails with {@link FailoverInProgressException}; close it and take a new one.
     */
    boolean isRevoked();
}
