package io.nines.failover;

/**
 * A failover config file is malformed or invalid. The message reads
 * {@code <file>:<line>:<column>: <field>: <problem>}, e.g.
 * {@code /etc/nines/failover.yaml:12:11: nodes[1].port: must be in [1, 65535], was 70000}. Nothing of a bad
 * file is applied: the manager does not start.
 */
public final class FailoverConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;
    private final int column;
    private final String field;
    private final String problem;

    /**
     * @param source  the file (or a name for text given directly)
     * @param line    1-based line, or -1 if unknown
     * @param column  1-based column, or -1 if unknown
     * @param field   path of the offending field, e.g. {@code nodes[1].port}; empty for the whole document
     * @param problem what is wrong
     */
    public FailoverConfigException(String source, int line, int column, String field, String problem, Throwable cause) {
        super(format(source, line, column, field, problem), cause);
        this.source = source;
        this.line = line;
        this.column = column;
        this.field = field == null ? "" : field;
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

    public String source() {
        return source;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }

    /** Path of the offending field, e.g. {@code detection.probeInterval}; empty for the whole document. */
    public String field() {
        return field;
    }

    public String problem() {
        return problem;
    }
}
