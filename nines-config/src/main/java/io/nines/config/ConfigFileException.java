package io.nines.config;

import io.nines.core.ConfigLocation;

/** A config file was refused: {@code <file>:<line>:<column>: <field>: <problem>}. Nothing of it was applied. */
public class ConfigFileException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final ConfigLocation location;
    private final String problem;

    public ConfigFileException(ConfigLocation location, String problem, Throwable cause) {
        super(location.describe(problem), cause);
        this.location = location;
        this.problem = problem;
    }

    public ConfigLocation location() {
        return location;
    }

    public String source() {
        return location.source();
    }

    /** 1-based, or -1 if unknown. */
    public int line() {
        return location.line();
    }

    /** 1-based, or -1 if unknown. */
    public int column() {
        return location.column();
    }

    /** Path of the offending field, e.g. {@code listeners[1].address}; empty for the whole document. */
    public String field() {
        return location.field();
    }

    /** What is wrong, without the location. */
    public String problem() {
        return problem;
    }
}
