package io.nines.failover;

import io.nines.config.ConfigFileException;
import io.nines.core.ConfigLocation;

/**
 * A failover config file is malformed or invalid. The message reads
 * {@code <file>:<line>:<column>: <field>: <problem>}, e.g.
 * {@code /etc/nines/failover.yaml:12:11: nodes[1].port: must be in [1, 65535], was 70000}. Nothing of a bad
 * file is applied: the manager does not start.
 */
public final class FailoverConfigException extends ConfigFileException {

    private static final long serialVersionUID = 1L;

    /**
     * @param source  the file (or a name for text given directly)
     * @param line    1-based line, or -1 if unknown
     * @param column  1-based column, or -1 if unknown
     * @param field   path of the offending field, e.g. {@code nodes[1].port}; empty for the whole document
     * @param problem what is wrong
     */
    public FailoverConfigException(String source, int line, int column, String field, String problem, Throwable cause) {
        this(new ConfigLocation(source, line, column, field), problem, cause);
    }

    public FailoverConfigException(ConfigLocation location, String problem, Throwable cause) {
        super(location, problem, cause);
    }
}
