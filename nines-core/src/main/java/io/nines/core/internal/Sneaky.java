package io.nines.core.internal;

/** Rethrows any throwable unchanged, checked or not, so policies stay transparent to the caller's exceptions. */
public final class Sneaky {

    private Sneaky() {}

    public static RuntimeException rethrow(Throwable t) {
        throw Sneaky.<RuntimeException>as(t);
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E as(Throwable t) throws E {
        throw (E) t;
    }
}
