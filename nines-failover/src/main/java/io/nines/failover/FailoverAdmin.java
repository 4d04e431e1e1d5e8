package io.nines.failover;

import io.nines.failover.internal.Admin;
import java.time.Duration;
import java.util.Optional;

/** Operations on a cluster's running managers through the store, for the CLI and operators' tools. */
public final class FailoverAdmin {

    private FailoverAdmin() {
    }

    /** The manager that leads the cluster's managers now, if any. */
    public static Optional<String> leader(FailoverConfig config, Duration timeout) {
        return Admin.leader(config, timeout);
    }

    /**
     * Asks the leading manager for a planned switchover to {@code target} and waits for its answer.
     *
     * @return the result; empty if no manager leads (run one, or {@link FailoverManager#switchover} in process)
     * @throws java.util.concurrent.TimeoutException if the leader did not answer within {@code timeout}
     */
    public static Optional<SwitchoverResult> requestSwitchover(FailoverConfig config, String target, String requestedBy,
                                                               Duration timeout)
            throws java.util.concurrent.TimeoutException, InterruptedException {
        return Admin.requestSwitchover(config, target, requestedBy, timeout);
    }
}
