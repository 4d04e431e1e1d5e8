package io.nines.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * For commands that run until Ctrl-C (SIGINT/SIGTERM): {@link #await()} returns when the JVM is asked to stop, and
 * the JVM waits (up to {@code grace}) for {@link #close()} so that the command can shut down cleanly first.
 */
public final class UntilStopped implements AutoCloseable {

    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread hook;

    public UntilStopped(String name, long graceSeconds) {
        hook = new Thread(() -> {
            stop.countDown();
            try {
                stopped.await(graceSeconds, TimeUnit.SECONDS); // the JVM exits when hooks return
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Blocks until the JVM is asked to stop (or this thread is interrupted). */
    public void await() {
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // interrupted: stop like Ctrl-C
        }
    }

    /** Done shutting down: lets the JVM exit (or unregisters the hook when the command ended by itself). */
    @Override
    public void close() {
        stopped.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down
        }
    }
}
