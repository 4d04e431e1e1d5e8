package io.nines.core;

/** A request or connection belongs to a topology epoch older than the current one (a fenced primary). */
public final class StaleEpochException extends RefusedException {

    private final long seenEpoch;
    private final long currentEpoch;

    public StaleEpochException(String policy, long seenEpoch, long currentEpoch) {
        super(Refusal.STALE_EPOCH, policy, "epoch " + seenEpoch + " is older than the current epoch " + currentEpoch);
        this.seenEpoch = seenEpoch;
        this.currentEpoch = currentEpoch;
    }

    public long seenEpoch() {
        return seenEpoch;
    }

    public long currentEpoch() {
        return currentEpoch;
    }
}
