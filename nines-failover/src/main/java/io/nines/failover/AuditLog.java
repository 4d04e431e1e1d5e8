package io.nines.failover;

import io.nines.core.Clock;
import io.nines.core.event.EventPublisher;
import io.nines.core.event.EventPublisher.Subscription;
import io.nines.failover.AuditEntry.Step;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only record of every step of every decision: kept in memory (the last {@code capacity} entries,
 * for status and tests), appended to a JSON-lines file when configured (one object per line, flushed per entry),
 * logged, and delivered to listeners (the CLI prints them; the manager copies a tail into the store).
 */
public final class AuditLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);

    private final String cluster;
    private final String manager;
    private final Clock clock;
    private final int capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<AuditEntry> entries = new ArrayDeque<>(); // guarded by lock
    private final BufferedWriter file; // guarded by lock
    private final EventPublisher<AuditEntry> listeners = new EventPublisher<>();

    /**
     * @param file JSON-lines file to append to, or null; parent directories are created
     * @throws IllegalStateException if the file cannot be opened
     */
    public AuditLog(String cluster, String manager, Clock clock, Path file, int capacity) {
        this.cluster = cluster;
        this.manager = manager;
        this.clock = clock;
        this.capacity = capacity;
        if (file == null) {
            this.file = null;
        } else {
            try {
                Path parent = file.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                this.file = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND, StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw new IllegalStateException("cannot open audit log " + file + ": " + e, e);
            }
        }
    }

    /** Records a step with details given as alternating keys and values. */
    public AuditEntry record(Step step, String message, Object... keyValues) {
        Map<String, String> details = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            details.put(String.valueOf(keyValues[i]), String.valueOf(keyValues[i + 1]));
        }
        return record(step, message, details);
    }

    public AuditEntry record(Step step, String message, Map<String, String> details) {
        AuditEntry e = AuditEntry.of(clock.currentTimeMillis(), cluster, manager, step, message, details);
        lock.lock();
        try {
            entries.addLast(e);
            while (entries.size() > capacity) {
                entries.removeFirst();
            }
            if (file != null) {
                try {
                    file.write(e.toJson());
                    file.newLine();
                    file.flush();
                } catch (IOException ex) {
                    LOG.error("cannot append to the audit log: {}", ex.toString());
                }
            }
        } finally {
            lock.unlock();
        }
        if (step == Step.ERROR || step == Step.REFUSED || step == Step.LOSSLESS_WARN || step == Step.FAILOVER_ABORTED
                || step == Step.SWITCHOVER_FAILED) {
            LOG.warn("{} {}: {} {}", manager, step.id(), message, details);
        } else {
            LOG.info("{} {}: {} {}", manager, step.id(), message, details);
        }
        listeners.publish(e);
        return e;
    }

    /** Every entry still in memory, oldest first. */
    public List<AuditEntry> entries() {
        lock.lock();
        try {
            return List.copyOf(entries);
        } finally {
            lock.unlock();
        }
    }

    /** The last {@code n} entries, oldest first. */
    public List<AuditEntry> tail(int n) {
        List<AuditEntry> all = entries();
        return all.subList(Math.max(0, all.size() - n), all.size());
    }

    /** Entries of that step, oldest first. */
    public List<AuditEntry> entries(Step step) {
        return select(e -> e.is(step));
    }

    public List<AuditEntry> select(Predicate<AuditEntry> filter) {
        List<AuditEntry> out = new ArrayList<>();
        for (AuditEntry e : entries()) {
            if (filter.test(e)) {
                out.add(e);
            }
        }
        return out;
    }

    /** Delivers every new entry, on the thread that recorded it. */
    public Subscription listen(Consumer<? super AuditEntry> listener) {
        return listeners.subscribe(listener);
    }

    public String cluster() {
        return cluster;
    }

    public String manager() {
        return manager;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (file != null) {
                file.close();
            }
        } catch (IOException e) {
            LOG.warn("cannot close the audit log: {}", e.toString());
        } finally {
            lock.unlock();
        }
    }
}
