package io.nines.core.concurrencylimit;

import static io.nines.core.InvalidConfigException.inRange;
import static io.nines.core.InvalidConfigException.positive;
import static io.nines.core.InvalidConfigException.required;

import io.nines.core.Clock;
import io.nines.core.InvalidConfigException;
import io.nines.core.TimeoutExceededException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * Fluent builder of a {@link ConcurrencyLimit}; {@link #config()} and {@link #build()} validate every
 * field. Defaults follow Netflix's Gradient2 except for shorter windows (100 ms – 1 s), so that the
 * limit reacts within a second.
 */
public final class ConcurrencyLimitBuilder {

    static final String POLICY = "concurrencyLimit";

    /** Timeouts, from a Nines timeout or any {@link TimeoutException}. */
    public static final Predicate<Throwable> TIMEOUTS =
            t -> t instanceof TimeoutExceededException || t instanceof TimeoutException;

    private final String name;
    private int initialLimit = 20;
    private int minLimit = 4;
    private int maxLimit = 200;
    private double smoothing = 0.2;
    private double rttTolerance = 1.5;
    private int longWindow = 600;
    private int queueSize = 4;
    private double backoffRatio = 0.9;
    private Duration minWindow = Duration.ofMillis(100);
    private Duration maxWindow = Duration.ofSeconds(1);
    private int windowMinSamples = 10;
    private boolean perCaller;
    private double perCallerFraction = 0.5;
    private int maxCallers = 10_000;
    private Predicate<Throwable> dropOn = TIMEOUTS;
    private Clock clock = Clock.system();

    ConcurrencyLimitBuilder(String name) {
        this.name = name;
    }

    public ConcurrencyLimitBuilder from(ConcurrencyLimitConfig c) {
        initialLimit = c.initialLimit();
        minLimit = c.minLimit();
        maxLimit = c.maxLimit();
        smoothing = c.smoothing();
        rttTolerance = c.rttTolerance();
        longWindow = c.longWindow();
        queueSize = c.queueSize();
        backoffRatio = c.backoffRatio();
        minWindow = c.minWindow();
        maxWindow = c.maxWindow();
        windowMinSamples = c.windowMinSamples();
        perCaller = c.perCaller();
        perCallerFraction = c.perCallerFraction();
        maxCallers = c.maxCallers();
        dropOn = c.dropOn();
        return this;
    }

    /** Default 20. */
    public ConcurrencyLimitBuilder initialLimit(int v) {
        initialLimit = v;
        return this;
    }

    /** Default 4. */
    public ConcurrencyLimitBuilder minLimit(int v) {
        minLimit = v;
        return this;
    }

    /** Default 200. */
    public ConcurrencyLimitBuilder maxLimit(int v) {
        maxLimit = v;
        return this;
    }

    /** In (0, 1]; default 0.2. Higher reacts faster and oscillates more. */
    public ConcurrencyLimitBuilder smoothing(double v) {
        smoothing = v;
        return this;
    }

    /** At least 1; default 1.5. */
    public ConcurrencyLimitBuilder rttTolerance(double v) {
        rttTolerance = v;
        return this;
    }

    /** Windows in the long-term RTT average; default 600. */
    public ConcurrencyLimitBuilder longWindow(int v) {
        longWindow = v;
        return this;
    }

    /** Growth step per window while latency is steady; default 4. */
    public ConcurrencyLimitBuilder queueSize(int v) {
        queueSize = v;
        return this;
    }

    /** In (0, 1); default 0.9. */
    public ConcurrencyLimitBuilder backoffRatio(double v) {
        backoffRatio = v;
        return this;
    }

    /** Default 100 ms. */
    public ConcurrencyLimitBuilder minWindow(Duration v) {
        minWindow = v;
        return this;
    }

    /** Default 1 s. */
    public ConcurrencyLimitBuilder maxWindow(Duration v) {
        maxWindow = v;
        return this;
    }

    /** Default 10. */
    public ConcurrencyLimitBuilder windowMinSamples(int v) {
        windowMinSamples = v;
        return this;
    }

    /** Cap each caller to {@code perCallerFraction} of the limit. Default false. */
    public ConcurrencyLimitBuilder perCaller(boolean v) {
        perCaller = v;
        return this;
    }

    /** In (0, 1]; default 0.5. */
    public ConcurrencyLimitBuilder perCallerFraction(double v) {
        perCallerFraction = v;
        return this;
    }

    /** Default 10 000. */
    public ConcurrencyLimitBuilder maxCallers(int v) {
        maxCallers = v;
        return this;
    }

    /** Errors that count as drops; default {@link #TIMEOUTS}. */
    public ConcurrencyLimitBuilder dropOn(Predicate<Throwable> v) {
        dropOn = v;
        return this;
    }

    public ConcurrencyLimitBuilder clock(Clock clock) {
        this.clock = clock;
        return this;
    }

    public ConcurrencyLimitConfig config() {
        required(POLICY, "name", name);
        positive(POLICY, "minLimit", minLimit);
        if (maxLimit < minLimit) {
            throw new InvalidConfigException(POLICY, "maxLimit",
                    "must be >= minLimit (" + minLimit + "), was " + maxLimit);
        }
        if (initialLimit < minLimit || initialLimit > maxLimit) {
            throw new InvalidConfigException(POLICY, "initialLimit",
                    "must be in [minLimit, maxLimit] = [" + minLimit + ", " + maxLimit + "], was " + initialLimit);
        }
        if (!(smoothing > 0 && smoothing <= 1)) {
            throw new InvalidConfigException(POLICY, "smoothing", "must be in (0, 1], was " + smoothing);
        }
        inRange(POLICY, "rttTolerance", rttTolerance, 1.0, 100.0);
        positive(POLICY, "longWindow", longWindow);
        if (queueSize < 0) {
            throw new InvalidConfigException(POLICY, "queueSize", "must be >= 0, was " + queueSize);
        }
        if (!(backoffRatio > 0 && backoffRatio < 1)) {
            throw new InvalidConfigException(POLICY, "backoffRatio", "must be in (0, 1), was " + backoffRatio);
        }
        positive(POLICY, "minWindow", minWindow);
        positive(POLICY, "maxWindow", maxWindow);
        if (maxWindow.compareTo(minWindow) < 0) {
            throw new InvalidConfigException(POLICY, "maxWindow",
                    "must be >= minWindow (" + minWindow + "), was " + maxWindow);
        }
        positive(POLICY, "windowMinSamples", windowMinSamples);
        if (!(perCallerFraction > 0 && perCallerFraction <= 1)) {
            throw new InvalidConfigException(POLICY, "perCallerFraction", "must be in (0, 1], was " + perCallerFraction);
        }
        positive(POLICY, "maxCallers", maxCallers);
        required(POLICY, "dropOn", dropOn);
        return new ConcurrencyLimitConfig(initialLimit, minLimit, maxLimit, smoothing, rttTolerance, longWindow,
                queueSize, backoffRatio, minWindow, maxWindow, windowMinSamples, perCaller, perCallerFraction,
                maxCallers, dropOn);
    }

    public ConcurrencyLimit build() {
        ConcurrencyLimitConfig config = config();
        return ConcurrencyLimit.of(name, config, required(POLICY, "clock", clock));
    }
}
