package io.nines.proxy.http.internal;

import java.util.concurrent.atomic.LongAdder;

/** The counters of one HTTP listener. */
public final class HttpStats {
    final LongAdder requests = new LongAdder();
    final LongAdder responses = new LongAdder();
    final LongAdder localAnswers = new LongAdder();
    final LongAdder connectFailures = new LongAdder();
    final LongAdder timeouts = new LongAdder();

    /** Requests received (well-formed or not). */
    public long requests() {
        return requests.sum();
    }

    /** Responses relayed from upstreams. */
    public long responses() {
        return responses.sum();
    }

    /** Requests answered by the proxy itself (400, 404, 502, 503, 504). */
    public long localAnswers() {
        return localAnswers.sum();
    }

    public long connectFailures() {
        return connectFailures.sum();
    }

    /** Requests answered 504: no response head within the route's timeout. */
    public long timeouts() {
        return timeouts.sum();
    }
}
