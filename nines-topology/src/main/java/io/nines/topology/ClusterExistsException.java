package io.nines.topology;

/** {@link TopologyStore#create} found the cluster already there (use compare-and-set to change it). */
public final class ClusterExistsException extends TopologyException {

    private final String cluster;

    public ClusterExistsException(String cluster) {
        super("cluster '" + cluster + "' already exists", null);
        this.cluster = cluster;
    }

    public String cluster() {
        return cluster;
    }
}
