package io.nines.core.retry;

import io.nines.core.Clock;
import io.nines.core.InvalidConfigException;
import java.time.Duration;

/** Builds a {@link RetryBudget}; defaults are {@link RetryBudgetConfig#DEFAULT}. */
public final class RetryBudgetBuilder {

    private double percent = RetryBudgetConfig.DEFAULT.percent();
    private int minRetriesPerSecond = RetryBudgetConfig.DEFAULT.minRetriesPerSecond();
    private Duration ttl = RetryBudgetConfig.DEFAULT.ttl();
    private Clock clock = Clock.system();

    RetryBudgetBuilder() {
    }

    /** Retries allowed per 100 requests (default 20). */
    public RetryBudgetBuilder percent(double percent) {
        this.percent = percent;
        return this;
    }

    /** Retries allowed per second even without requests (default 3). */
    public RetryBudgetBuilder minRetriesPerSecond(int minRetriesPerSecond) {
        this.minRetriesPerSecond = minRetriesPerSecond;
        return this;
    }

    /** The sliding window over which requests and retries are counted (default 10 s). */
    public RetryBudgetBuilder ttl(Duration ttl) {
        this.ttl = ttl;
        return this;
    }

    public RetryBudgetBuilder clock(Clock clock) {
        this.clock = clock;
        return this;
    }

    public RetryBudgetConfig config() {
        return new RetryBudgetConfig(percent, minRetriesPerSecond, ttl);
    }

    public RetryBudget build() {
        return RetryBudget.of(config(), InvalidConfigException.required(RetryBudgetConfig.POLICY, "clock", clock));
    }
}
