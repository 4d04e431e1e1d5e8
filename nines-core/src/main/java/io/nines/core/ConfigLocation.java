package io.nines.core;

/**
 * Where a problem in a config file sits, so every config error of Nines (topology files, failover and
 * proxy configs) reads the same: {@code <source>:<line>:<column>: <field>: <problem>}.
 *
 * @param source the file read (or a name for text given directly, or a store path)
 * @param line   1-based line, or -1 if unknown
 * @param column 1-based column, or -1 if unknown
 * @param field  path of the offending field, e.g. {@code nodes[1].port}; empty for the whole document
 */
public record ConfigLocation(String source, int line, int column, String field) implements java.io.Serializable {

    public ConfigLocation {
        field = field == null ? "" : field;
    }

    /** The message for {@code problem} found here. */
    public String describe(String problem) {
        StringBuilder sb = new StringBuilder(source);
        if (line > 0) {
            sb.append(':').append(line);
            if (column > 0) {
                sb.append(':').append(column);
            }
        }
        sb.append(": ");
        if (!field.isEmpty()) {
            sb.append(field).append(": ");
        }
        return sb.append(problem).toString();
    }
}
