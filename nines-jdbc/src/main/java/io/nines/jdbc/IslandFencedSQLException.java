package io.nines.jdbc;

import io.nines.core.IslandFencedException;
import io.nines.core.Refusal;
import java.sql.SQLNonTransientException;
import java.util.Objects;

/**
 * A guarded operation was refused because this zone is an island (DESIGN §6): the store quorum is lost and no other
 * zone answers, or this zone's store lease expired. Nothing was sent to the database and an open guarded transaction
 * was rolled back, except for a commit already in flight when the island was declared ({@link #wasInFlight()}). <b>Retry in another zone</b> (the front end's cross-zone retry), not here: this client refuses
 * until the quorum returns.
 *
 * <p>SQLState {@value #SQLSTATE}, in the implementation-defined class {@code NI} ("Nines island"), so that no generic
 * code mistakes it for a connection problem worth retrying on the spot. It is a {@link SQLNonTransientException}
 * (retrying the same operation here fails until the cause is fixed) and its cause is the nines-core
 * {@link IslandFencedException}: nines-core's {@code RetryClassifier} sees the refusal and does not retry, and a
 * pipeline or HTTP layer can map it with {@link #refusal()} ({@code island_fenced}, HTTP 503 with the
 * {@code x-nines-refusal} header).
 */
public final class IslandFencedSQLException extends SQLNonTransientException {

    private static final long serialVersionUID = 1L;

    /** SQLState of every island refusal. */
    public static final String SQLSTATE = "NI001";

    private final boolean inFlight;

    public IslandFencedSQLException(IslandFencedException refusal) {
        this(refusal, false);
    }

    private IslandFencedSQLException(IslandFencedException refusal, boolean inFlight) {
        super(Objects.requireNonNull(refusal, "refusal").getMessage(), SQLSTATE, 0, refusal);
        this.inFlight = inFlight;
    }

    /**
     * The refusal of a commit that was already sent when the island was declared: its acknowledgement cannot be
     * trusted (see {@link #wasInFlight()}).
     */
    public static IslandFencedSQLException inFlight(IslandFencedException refusal) {
        return new IslandFencedSQLException(refusal, true);
    }

    /**
     * {@code true} when the operation had been sent before the island was declared and its answer came after: the
     * isolated primary may have committed it (it falls back to async after its semi-sync timeout), but only in this
     * zone, and a failover in another zone does not keep it. Treat it as not done and retry in another zone with the
     * same idempotency key. {@code false}: nothing was sent.
     */
    public boolean wasInFlight() {
        return inFlight;
    }

    /** The SQL form of a nines-core refusal (e.g. thrown by the island guard as a pipeline gate). */
    public static IslandFencedSQLException of(IslandFencedException refusal) {
        return new IslandFencedSQLException(refusal);
    }

    /** The nines-core form, for pipelines, fallbacks and HTTP mapping. */
    public IslandFencedException toRefusedException() {
        return (IslandFencedException) getCause();
    }

    /** {@link Refusal#ISLAND_FENCED}. */
    public Refusal refusal() {
        return Refusal.ISLAND_FENCED;
    }

    /** The island guard that refused. */
    public String policy() {
        return toRefusedException().policy();
    }
}
