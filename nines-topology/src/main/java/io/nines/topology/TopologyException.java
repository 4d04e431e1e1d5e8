package io.nines.topology;

/**
 * A topology store could not do what was asked. The subclasses are the whole list: a bad topology file
 * ({@link TopologyConfigException}), a store that cannot be reached or read ({@link TopologyStoreException}),
 * or a cluster that already exists ({@link ClusterExistsException}). A bad topology <em>value</em> is an
 * {@link io.nines.core.InvalidConfigException} thrown by the model itself.
 */
public abstract sealed class TopologyException extends RuntimeException
        permits TopologyConfigException, TopologyStoreException, ClusterExistsException {

    protected TopologyException(String message, Throwable cause) {
        super(message, cause);
    }
}
