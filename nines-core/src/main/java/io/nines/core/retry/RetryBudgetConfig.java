package io.nines.core.retry;

import io.nines.core.InvalidConfigException;
import java.time.Duration;

/**
 * Settings of a {@link RetryBudget}: within any window of {@code ttl}, retries may number at most
 * {@code percent}% of the requests plus {@code minRetriesPerSecond * ttl} (the floor, which lets a quiet
 * client still retry). Same meaning as Finagle's {@code RetryBudget(ttl, minRetriesPerSec, percentCanRetry)}
 * and Envoy's {@code retry_budget.budget_percent}. Built by {@link RetryBudgetBuilder#config()}.
 *
 * @param percent             retries allowed per 100 requests, in [0, 1000]
 * @param minRetriesPerSecond the floor rate, >= 0
 * @param ttl                 the sliding window, in [1 s, 60 s]
 */
public record RetryBudgetConfig(double percent, int minRetriesPerSecond, Duration ttl) {

    static final String POLICY = "retryBudget";

    /** 20 % of requests plus 3 retries per second, over 10 s (Envoy's 20 %, Finagle's 10 s window). */
    public static final RetryBudgetConfig DEFAULT = new RetryBudgetConfig(20, 3, Duration.ofSeconds(10));

    public RetryBudgetConfig {
        InvalidConfigException.inRange(POLICY, "percent", percent, 0, 1000);
        InvalidConfigException.atLeast(POLICY, "minRetriesPerSecond", minRetriesPerSecond, 0);
        InvalidConfigException.positive(POLICY, "ttl", ttl);
        if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(Duration.ofSeconds(60)) > 0) {
            throw new InvalidConfigException(POLICY, "ttl", "must be in [1s, 60s], was " + ttl);
        }
    }

    /** The number of retries allowed in a window without any request: {@code minRetriesPerSecond * ttl}. */
    public long floor() {
        return (long) Math.floor(minRetriesPerSecond * (ttl.toNanos() / 1e9));
    }
}
