package io.nines.core;

/** This zone has lost the store quorum and cannot reach any other zone: guarded operations are refused; retry in another zone. */
public final class IslandFencedException extends RefusedException {

    public IslandFencedException(String policy, String message) {
        super(Refusal.ISLAND_FENCED, policy, message);
    }
}
