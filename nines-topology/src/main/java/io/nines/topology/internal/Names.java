package io.nines.topology.internal;

import io.nines.core.InvalidConfigException;
import java.util.regex.Pattern;

/** Names that become ZooKeeper path segments or file keys: cluster names, election groups. */
public final class Names {

    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private Names() {
    }

    /** Returns {@code value} if it is a safe single path segment, else throws naming {@code policy.field}. */
    public static String segment(String policy, String field, String value) {
        if (value == null || value.isEmpty()) {
            throw new InvalidConfigException(policy, field, "must be set and not blank");
        }
        if (!SEGMENT.matcher(value).matches()) {
            throw new InvalidConfigException(policy, field,
                    "must be 1-128 characters of [A-Za-z0-9._-] starting with a letter or digit, was '" + value + "'");
        }
        return value;
    }
}
