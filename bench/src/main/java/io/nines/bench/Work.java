package io.nines.bench;

import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The protected call of every benchmark. Chosen once per trial from the {@code work} parameter, so
 * each forked JVM sees exactly one implementation and the call site stays monomorphic for all
 * libraries alike.
 */
public abstract class Work implements Supplier<Object>, Callable<Object> {

    /** What every call returns: a preallocated object, so the work itself allocates nothing. */
    static final Object RESULT = new Object();

    /** The values of the {@code work} parameter. */
    public static final String NOOP = "noop";
    public static final String CPU100 = "cpu100";

    public static Work of(String name) {
        return switch (name) {
            case NOOP -> new Noop();
            case CPU100 -> new Cpu100();
            default -> throw new IllegalArgumentException("unknown work '" + name + "' (noop, cpu100)");
        };
    }

    @Override
    public final Object call() {
        return get();
    }

    static final class Noop extends Work {
        @Override
        public Object get() {
            return RESULT;
        }
    }

    /** About 100 "tokens" of CPU (a few hundred ns): a cheap but real call. */
    static final class Cpu100 extends Work {
        @Override
        public Object get() {
            Blackhole.consumeCPU(100);
            return RESULT;
        }
    }
}
