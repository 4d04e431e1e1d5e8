package io.nines.failover;

/**
 * The outcome of a planned switchover.
 *
 * @param requestId         the request it answers
 * @param ok                whether it switched
 * @param message           what happened (the refusal reason when not ok)
 * @param from              old primary
 * @param to                new primary (the requested target)
 * @param epoch             epoch published (the old one when not ok)
 * @param unavailableMillis writes refused: from fencing the old primary to opening the new one
 * @param totalMillis       the whole switchover
 */
public record SwitchoverResult(String requestId, boolean ok, String message, String from, String to, long epoch,
                               long unavailableMillis, long totalMillis) {
}
