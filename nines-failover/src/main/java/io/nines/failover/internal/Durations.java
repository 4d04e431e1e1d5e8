package io.nines.failover.internal;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people write them in config files ({@code 500ms}, {@code 1.5s}, {@code 10m}, {@code 1h}, ISO-8601). */
public final class Durations {

    private static final Pattern SIMPLE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)");

    private Durations() {
    }

    /**
     * Parses {@code <number><unit>} with unit ms, s, m, h or d, or an ISO-8601 duration ({@code PT0.5S}).
     *
     * @throws IllegalArgumentException with a message fit for a config error
     */
    public static Duration parse(String text) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        Matcher m = SIMPLE.matcher(s);
        if (m.matches()) {
            BigDecimal n = new BigDecimal(m.group(1));
            BigDecimal millis = switch (m.group(2)) {
                case "ms" -> n;
                case "s" -> n.movePointRight(3);
                case "m" -> n.multiply(BigDecimal.valueOf(60_000));
                case "h" -> n.multiply(BigDecimal.valueOf(3_600_000));
                default -> n.multiply(BigDecimal.valueOf(86_400_000));
            };
            try {
                return Duration.ofNanos(millis.movePointRight(6).longValueExact());
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("is not a usable duration: '" + text + "'");
            }
        }
        if (s.startsWith("p")) {
            try {
                return Duration.parse(text.strip());
            } catch (DateTimeParseException e) {
                // fall through to the common message
            }
        }
        if (s.matches("\\d+(\\.\\d+)?")) {
            throw new IllegalArgumentException("needs a unit (ms, s, m, h, d), e.g. '" + s + "s', was '" + text + "'");
        }
        throw new IllegalArgumentException("must be a duration such as 500ms, 2s, 10m or PT0.5S, was '" + text + "'");
    }

    /** Compact text: {@code 500ms}, {@code 1.5s}, {@code 10m}, {@code 2h}. */
    public static String format(Duration d) {
        if (d == null) {
            return "unset";
        }
        long ms = d.toMillis();
        if (d.isNegative()) {
            return "-" + format(d.negated());
        }
        if (ms < 1000 || d.toNanos() % 1_000_000 != 0 && ms < 10_000) {
            return d.toNanos() % 1_000_000 == 0 ? ms + "ms" : BigDecimal.valueOf(d.toNanos()).movePointLeft(6).stripTrailingZeros().toPlainString() + "ms";
        }
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        return BigDecimal.valueOf(ms).movePointLeft(3).stripTrailingZeros().toPlainString() + "s";
    }
}
