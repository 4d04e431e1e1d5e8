package io.nines.mariadb;

/**
 * A MariaDB global transaction id {@code domain-server-sequence}, e.g. {@code 0-1-42}. Within a domain,
 * sequence numbers only grow ({@code gtid_strict_mode}); the server id says which server wrote it.
 */
public record Gtid(long domainId, long serverId, long seqNo) {

    public Gtid {
        if (domainId < 0 || serverId < 0 || seqNo < 0) {
            throw new IllegalArgumentException("GTID parts must be >= 0: " + domainId + "-" + serverId + "-" + seqNo);
        }
    }

    /** Parses {@code domain-server-sequence}. */
    public static Gtid parse(String text) {
        String[] parts = text.strip().split("-");
        if (parts.length != 3) {
            throw new IllegalArgumentException("not a GTID (domain-server-sequence): '" + text + "'");
        }
        try {
            return new Gtid(Long.parseUnsignedLong(parts[0]), Long.parseUnsignedLong(parts[1]),
                    Long.parseUnsignedLong(parts[2]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a GTID (domain-server-sequence): '" + text + "'", e);
        }
    }

    @Override
    public String toString() {
        return domainId + "-" + serverId + "-" + seqNo;
    }
}
