package io.nines.proxy.http.internal;

import java.util.List;

/**
 * Smooth weighted round robin (nginx's): over any window of {@code sum(weights)} picks each choice gets exactly its
 * weight, interleaved rather than in bursts, so a 90/10 canary sees 10 % of requests from the first hundred on.
 * Not thread-safe: one per event loop.
 */
public final class WeightedPicker<T> {

    private final List<T> choices;
    private final int[] weights;
    private final int[] current;
    private final int total;

    public WeightedPicker(List<T> choices, int[] weights) {
        this.choices = List.copyOf(choices);
        this.weights = weights.clone();
        this.current = new int[weights.length];
        int t = 0;
        for (int w : weights) {
            t += w;
        }
        this.total = t;
    }

    public T next() {
        int best = -1;
        for (int i = 0; i < weights.length; i++) {
            current[i] += weights[i];
            if (weights[i] > 0 && (best < 0 || current[i] > current[best])) {
                best = i;
            }
        }
        current[best] -= total;
        return choices.get(best);
    }
}
