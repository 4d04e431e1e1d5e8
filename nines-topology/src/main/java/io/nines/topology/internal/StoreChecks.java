package io.nines.topology.internal;

import io.nines.topology.ClusterTopology;
import java.util.Objects;

/** Argument checks every store applies the same way. */
public final class StoreChecks {

    private StoreChecks() {
    }

    /** A compare-and-set publishes {@code next} for {@code cluster} at exactly {@code expectedEpoch + 1}. */
    public static void checkSuccessor(String cluster, long expectedEpoch, ClusterTopology next) {
        Objects.requireNonNull(next, "next");
        if (!next.name().equals(cluster)) {
            throw new IllegalArgumentException("next topology is for cluster '" + next.name() + "', not '" + cluster + "'");
        }
        if (expectedEpoch < 0 || expectedEpoch == Long.MAX_VALUE || next.epoch() != expectedEpoch + 1) {
            throw new IllegalArgumentException("next epoch must be expectedEpoch + 1 = " + (expectedEpoch + 1)
                    + ", was " + next.epoch());
        }
    }
}
