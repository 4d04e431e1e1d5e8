package io.nines.core;

/** No endpoint of the target is healthy. */
public final class NoHealthyEndpointException extends RefusedException {

    public NoHealthyEndpointException(String policy, String message) {
        super(Refusal.NO_HEALTHY_ENDPOINT, policy, message);
    }
}
