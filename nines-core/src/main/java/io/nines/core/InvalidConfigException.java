package io.nines.core;

/**
 * A policy configuration value is invalid. Thrown by {@code build()} of every config builder, so a bad
 * config never produces a half-configured policy. {@link #field()} names the offending field.
 */
public final class InvalidConfigException extends IllegalArgumentException {

    private final String policy;
    private final String field;

    public InvalidConfigException(String policy, String field, String problem) {
        super(policy + "." + field + ": " + problem);
        this.policy = policy;
        this.field = field;
    }

    /** The policy type, e.g. {@code circuitBreaker}. */
    public String policy() {
        return policy;
    }

    /** The config field, e.g. {@code failureRateThreshold}. */
    public String field() {
        return field;
    }

    // Small checks shared by every config builder; each names the field it rejects.

    public static int positive(String policy, String field, int value) {
        if (value <= 0) {
            throw new InvalidConfigException(policy, field, "must be > 0, was " + value);
        }
        return value;
    }

    public static long positive(String policy, String field, long value) {
        if (value <= 0) {
            throw new InvalidConfigException(policy, field, "must be > 0, was " + value);
        }
        return value;
    }

    public static int atLeast(String policy, String field, int value, int min) {
        if (value < min) {
            throw new InvalidConfigException(policy, field, "must be >= " + min + ", was " + value);
        }
        return value;
    }

    public static double inRange(String policy, String field, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new InvalidConfigException(policy, field, "must be in [" + min + ", " + max + "], was " + value);
        }
        return value;
    }

    public static java.time.Duration positive(String policy, String field, java.time.Duration value) {
        if (value == null) {
            throw new InvalidConfigException(policy, field, "must be set");
        }
        if (value.isNegative() || value.isZero()) {
            throw new InvalidConfigException(policy, field, "must be > 0, was " + value);
        }
        return value;
    }

    public static java.time.Duration nonNegative(String policy, String field, java.time.Duration value) {
        if (value == null) {
            throw new InvalidConfigException(policy, field, "must be set");
        }
        if (value.isNegative()) {
            throw new InvalidConfigException(policy, field, "must be >= 0, was " + value);
        }
        return value;
    }

    public static <T> T required(String policy, String field, T value) {
        if (value == null) {
            throw new InvalidConfigException(policy, field, "must be set");
        }
        return value;
    }
}
