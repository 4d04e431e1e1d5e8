package io.nines.testkit.zookeeper;

import java.net.InetSocketAddress;
import javax.security.sasl.SaslException;
import org.apache.zookeeper.server.quorum.MultipleAddresses;
import org.apache.zookeeper.server.quorum.QuorumCnxManager;
import org.apache.zookeeper.server.quorum.QuorumPeer;

/**
 * A quorum peer that tells other peers a different election address than the one it listens on.
 *
 * <p>When a peer with a lower id opens an election connection to a higher one, the higher peer drops
 * it and connects back to the address announced in the connection's first message (ZooKeeper 3.6+),
 * not to the address in its own server list. Announcing the real address would let that connect-back
 * bypass the zone links. So the peer announces its {@link ElectionFrontDoor}, which sends each
 * connect-back through the link from the caller's zone. ZooKeeper reads the announced address through
 * {@link #getElectionAddress()} in {@code QuorumCnxManager.startConnection}, and the address to bind
 * through the same method elsewhere; only the former gets the front door.
 */
final class ZonedQuorumPeer extends QuorumPeer {

    private static final String CNX_MANAGER = QuorumCnxManager.class.getName();
    private static final StackWalker STACK = StackWalker.getInstance();

    private final MultipleAddresses announced;

    ZonedQuorumPeer(InetSocketAddress announcedElectionAddress) throws SaslException {
        this.announced = announcedElectionAddress == null ? null : new MultipleAddresses(announcedElectionAddress);
    }

    @Override
    public MultipleAddresses getElectionAddress() {
        if (announced != null && calledToAnnounce()) {
            return announced;
        }
        return super.getElectionAddress();
    }

    private static boolean calledToAnnounce() {
        return STACK.walk(frames -> frames.skip(1).limit(4)
                .anyMatch(f -> f.getMethodName().equals("startConnection") && f.getClassName().equals(CNX_MANAGER)));
    }
}
