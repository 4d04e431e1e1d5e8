package io.nines.mariadb;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/**
 * A comma-separated list of GTIDs as MariaDB reports it: a position ({@code gtid_binlog_pos},
 * {@code gtid_current_pos}, {@code gtid_slave_pos}, {@code Gtid_IO_Pos}: one GTID per domain) or a binlog
 * state ({@code gtid_binlog_state}: the last GTID of each domain <em>and server</em>). {@link #toString()}
 * gives the text back, ready for {@code MASTER_GTID_WAIT}.
 */
public record GtidPosition(List<Gtid> gtids) {

    public static final GtidPosition EMPTY = new GtidPosition(List.of());

    public GtidPosition {
        gtids = List.copyOf(gtids);
    }

    /** Parses MariaDB's text ({@code ""} or null is the empty position). */
    public static GtidPosition parse(String text) {
        if (text == null || text.isBlank()) {
            return EMPTY;
        }
        List<Gtid> list = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                list.add(Gtid.parse(part));
            }
        }
        return new GtidPosition(list);
    }

    public boolean isEmpty() {
        return gtids.isEmpty();
    }

    /** The highest sequence number this holds for {@code domainId}, if any. */
    public OptionalLong seqNo(long domainId) {
        return gtids.stream().filter(g -> g.domainId() == domainId).mapToLong(Gtid::seqNo).max();
    }

    /** The entry for {@code domainId} and {@code serverId} (binlog states have one per pair). */
    public Optional<Gtid> find(long domainId, long serverId) {
        return gtids.stream().filter(g -> g.domainId() == domainId && g.serverId() == serverId).findFirst();
    }

    /**
     * Whether this position has everything up to {@code target}: for every domain of {@code target}, this
     * holds a sequence number at least as high (sequence numbers of a domain grow along one history under
     * {@code gtid_strict_mode}; divergent histories are what {@link #missingFrom} finds).
     */
    public boolean reaches(GtidPosition target) {
        for (Gtid g : target.gtids) {
            if (seqNo(g.domainId()).orElse(-1) < g.seqNo()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Errant-transaction check between two {@code gtid_binlog_state}s: the entries of this state that
     * {@code other} does not cover (no entry of the same domain and server with a sequence number at least as
     * high). Each returned GTID is the last of a run of transactions that server wrote and {@code other} never
     * received. Needs {@code log_slave_updates=ON} on both and no {@code RESET MASTER} since.
     */
    public List<Gtid> missingFrom(GtidPosition other) {
        return gtids.stream()
                .filter(g -> other.find(g.domainId(), g.serverId()).map(o -> o.seqNo() < g.seqNo()).orElse(true))
                .toList();
    }

    /** Per domain, the GTID with the highest sequence number among this and {@code other}. */
    public GtidPosition max(GtidPosition other) {
        Map<Long, Gtid> best = new LinkedHashMap<>();
        for (Gtid g : gtids) {
            best.merge(g.domainId(), g, (a, b) -> a.seqNo() >= b.seqNo() ? a : b);
        }
        for (Gtid g : other.gtids) {
            best.merge(g.domainId(), g, (a, b) -> a.seqNo() >= b.seqNo() ? a : b);
        }
        return new GtidPosition(List.copyOf(best.values()));
    }

    /**
     * The union of binlog states: per domain and server, the highest sequence number. The reference against
     * which a node's own state is checked for errant transactions.
     */
    public static GtidPosition unionOfStates(Collection<GtidPosition> states) {
        Map<List<Long>, Gtid> best = new LinkedHashMap<>();
        for (GtidPosition s : states) {
            for (Gtid g : s.gtids) {
                best.merge(List.of(g.domainId(), g.serverId()), g, (a, b) -> a.seqNo() >= b.seqNo() ? a : b);
            }
        }
        return new GtidPosition(List.copyOf(best.values()));
    }

    /** Total sequence numbers over domains: a rough "how far" for messages and tie-breaks, not an order. */
    public long totalSeqNo() {
        Map<Long, Long> perDomain = new LinkedHashMap<>();
        for (Gtid g : gtids) {
            perDomain.merge(g.domainId(), g.seqNo(), Math::max);
        }
        return perDomain.values().stream().mapToLong(Long::longValue).sum();
    }

    @Override
    public String toString() {
        return gtids.stream().map(Gtid::toString).collect(Collectors.joining(","));
    }
}
