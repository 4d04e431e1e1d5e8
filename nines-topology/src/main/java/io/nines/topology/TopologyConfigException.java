package io.nines.topology;

/**
 * A topology file (or a stored document) is malformed or invalid. The message reads
 * {@code <source>:<line>:<column>: <field>: <problem>}, e.g.
 * {@code /etc/nines/topology.yaml:14:13: clusters[0].endpoints[1].port: must be in [1, 65535], was 70000}.
 * Nothing of a bad file is applied.
 */
public final class TopologyConfigException extends TopologyException {

    private final String source;
    private final int line;
    private final int column;
    private final String field;
    private final String problem;

    /**
     * @param source the file (or node path) read
     * @param line   1-based line, or -1 if unknown
     * @param column 1-based column, or -1 if unknown
     * @param field  path of the offending field, e.g. {@code clusters[0].endpoints[1].port}; empty for the whole document
     * @param problem what is wrong
     */
    public TopologyConfigException(String source, int line, int column, String field, String problem, Throwable cause) {
        super(format(source, line, column, field, problem), cause);
        this.source = source;
        this.line = line;
        this.column = column;
        this.field = field;
        this.problem = problem;
    }

    private static String format(String source, int line, int column, String field, String problem) {
        StringBuilder sb = new StringBuilder(source);
        if (line > 0) {
            sb.append(':').append(line);
            if (column > 0) {
                sb.append(':').append(column);
            }
        }
        sb.append(": ");
        if (field != null && !field.isEmpty()) {
            sb.append(field).append(": ");
        }
        return sb.append(problem).toString();
    }

    /** The file (or node path) that was read. */
    public String source() {
        return source;
    }

    /** 1-based line of the problem, or -1 if unknown. */
    public int line() {
        return line;
    }

    /** 1-based column of the problem, or -1 if unknown. */
    public int column() {
        return column;
    }

    /** Path of the offending field, e.g. {@code clusters[0].endpoints[1].port}; empty for the whole document. */
    public String field() {
        return field;
    }

    /** What is wrong, without the location. */
    public String problem() {
        return problem;
    }
}
