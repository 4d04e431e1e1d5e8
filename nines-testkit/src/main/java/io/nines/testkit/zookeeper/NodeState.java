package io.nines.testkit.zookeeper;

/** What a node of a {@link ZooKeeperEnsemble} is doing. */
public enum NodeState {
    /** Not running (never started, stopped, or the ensemble is closed). */
    STOPPED,
    /** Running an election: not serving clients. */
    LOOKING,
    /** Following a leader (serving once synced, see {@link ZooKeeperEnsemble#isServing(int)}). */
    FOLLOWING,
    /** The leader. */
    LEADING,
    /** An observer (not used by this testkit's ensembles). */
    OBSERVING
}
