package io.nines.core;

/**
 * The time source of every policy. Policies read time only through this interface so that tests
 * and drills can drive state machines with a {@link ManualClock} instead of sleeping.
 */
public interface Clock {

    /** Monotonic nanoseconds, as {@link System#nanoTime()}: only differences are meaningful. */
    long nanoTime();

    /** Wall-clock milliseconds since the epoch, for records that outlive the process (stores, audit). */
    long currentTimeMillis();

    /** The system clock. */
    static Clock system() {
        return SystemClock.INSTANCE;
    }

    /** A clock that stands still until {@link ManualClock#advance} moves it. */
    static ManualClock manual() {
        return new ManualClock();
    }
}

/** Stateless, so one shared instance is fine. */
enum SystemClock implements Clock {
    INSTANCE;

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public long currentTimeMillis() {
        return System.currentTimeMillis();
    }
}
