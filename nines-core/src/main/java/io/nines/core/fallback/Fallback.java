package io.nines.core.fallback;

import io.nines.core.RefusedException;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What to answer when a call fails or is refused: a degraded but useful result (a cached value, an
 * empty list, a default) instead of an error. By default a fallback handles every exception; narrow
 * it with {@link #handling(Class)} or {@link #handlingIf(Predicate)}, e.g. only refusals.
 *
 * @param <T> the call's result type
 */
public final class Fallback<T> {

    private final Function<? super Throwable, ? extends T> answer;
    private final Predicate<? super Throwable> handles;

    private Fallback(Function<? super Throwable, ? extends T> answer, Predicate<? super Throwable> handles) {
        this.answer = Objects.requireNonNull(answer, "answer");
        this.handles = Objects.requireNonNull(handles, "handles");
    }

    /** A fallback computing its answer from the failure. */
    public static <T> Fallback<T> of(Function<? super Throwable, ? extends T> answer) {
        return new Fallback<>(answer, t -> true);
    }

    /** A fallback answering a constant. */
    public static <T> Fallback<T> ofValue(T value) {
        return new Fallback<>(t -> value, t -> true);
    }

    /** Same answer, only for failures of the given type (or its subtypes). */
    public Fallback<T> handling(Class<? extends Throwable> type) {
        return new Fallback<>(answer, type::isInstance);
    }

    /** Same answer, only for failures matching {@code predicate}. */
    public Fallback<T> handlingIf(Predicate<? super Throwable> predicate) {
        return new Fallback<>(answer, predicate);
    }

    /** Same answer, only for refusals ({@link RefusedException}): real failures still surface. */
    public Fallback<T> onlyRefusals() {
        return handling(RefusedException.class);
    }

    public boolean handles(Throwable failure) {
        return handles.test(failure);
    }

    public T apply(Throwable failure) {
        return answer.apply(failure);
    }
}
