package io.nines.topology;

import io.nines.core.ConfigLocation;

/**
 * A topology file (or a stored document) is malformed or invalid. The message reads
 * {@code <source>:<line>:<column>: <field>: <problem>}, e.g.
 * {@code /etc/nines/topology.yaml:14:13: clusters[0].endpoints[1].port: must be in [1, 65535], was 70000}.
 * Nothing of a bad file is applied.
 */
public final class TopologyConfigException extends TopologyException {

    private final ConfigLocation location;
    private final String problem;

    /**
     * @param source the file (or node path) read
     * @param line   1-based line, or -1 if unknown
     * @param column 1-based column, or -1 if unknown
     * @param field  path of the offending field, e.g. {@code clusters[0].endpoints[1].port}; empty for the whole document
     * @param problem what is wrong
     */
    public TopologyConfigException(String source, int line, int column, String field, String problem, Throwable cause) {
        this(new ConfigLocation(source, line, column, field), problem, cause);
    }

    public TopologyConfigException(ConfigLocation location, String problem, Throwable cause) {
        super(location.describe(problem), cause);
        this.location = location;
        this.problem = problem;
    }

    /** The file (or node path) that was read. */
    public String source() {
        return location.source();
    }

    /** 1-based line of the problem, or -1 if unknown. */
    public int line() {
        return location.line();
    }

    /** 1-based column of the problem, or -1 if unknown. */
    public int column() {
        return location.column();
    }

    /** Path of the offending field, e.g. {@code clusters[0].endpoints[1].port}; empty for the whole document. */
    public String field() {
        return location.field();
    }

    /** What is wrong, without the location. */
    /** Where the problem sits. */
    public ConfigLocation location() {
        return location;
    }

    public String problem() {
        return problem;
    }
}
