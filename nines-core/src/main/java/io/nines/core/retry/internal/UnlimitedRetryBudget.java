package io.nines.core.retry.internal;

import io.nines.core.retry.RetryBudget;

/** Never refuses and counts nothing: {@link RetryBudget#unlimited()}. Stateless, so one instance serves all. */
public enum UnlimitedRetryBudget implements RetryBudget {
    INSTANCE;

    @Override
    public void recordRequest() {
    }

    @Override
    public boolean tryWithdraw() {
        return true;
    }

    @Override
    public long balance() {
        return Long.MAX_VALUE;
    }

    @Override
    public long requestsInWindow() {
        return 0;
    }

    @Override
    public long retriesInWindow() {
        return 0;
    }

    @Override
    public String toString() {
        return "RetryBudget[unlimited]";
    }
}
