package io.nines.topology.file;

import io.nines.core.Clock;
import io.nines.core.event.EventPublisher;
import io.nines.core.event.EventPublisher.Subscription;
import io.nines.topology.ClusterExistsException;
import io.nines.topology.ClusterTopology;
import io.nines.topology.Leadership;
import io.nines.topology.QuorumSignal;
import io.nines.topology.TopologyConfigException;
import io.nines.topology.TopologyStore;
import io.nines.topology.TopologyStoreException;
import io.nines.topology.internal.LocalElections;
import io.nines.topology.internal.MonotonicListener;
import io.nines.topology.internal.Names;
import io.nines.topology.internal.QuorumState;
import io.nines.topology.internal.StoreChecks;
import io.nines.topology.internal.TopologyCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A topology store in one YAML file, for single-host use (and for a proxy with static clusters).
 *
 * <ul>
 *   <li>Load: a bad file fails {@link #open} with {@link TopologyConfigException} naming the file, line,
 *       column and field. Nothing of it is applied.</li>
 *   <li>Reload: a thread watches the file (file-system events, and a poll every {@code pollInterval} as a
 *       fallback) and re-reads it when its bytes change. A bad file, a missing file or an epoch that went down
 *       keeps the last good topology and is reported to {@link #onError} listeners and the log. A zero-length
 *       file is taken as "being rewritten" and ignored. Edits with the same epoch and other content are applied
 *       (an operator changing weights); every {@link #compareAndSet} raises the epoch.</li>
 *   <li>Writes ({@link #create}, {@link #compareAndSet}): under an in-process lock and an OS lock on
 *       {@code <file>.lock} (so two processes on the host serialize), re-read the file, check, write a temp file
 *       in the same directory, fsync, and atomically rename it over the file. Comments in the file are not
 *       preserved by a write. Two store instances on the same file in one JVM are not supported (the OS lock
 *       belongs to the JVM).</li>
 *   <li>Leadership: granted within this store instance to the first participant of a group, passed on when it
 *       closes. Quorum: always {@code CONNECTED} (there is no remote store to lose).</li>
 * </ul>
 */
public final class FileTopologyStore implements TopologyStore {

    private static final Logger LOG = LoggerFactory.getLogger(FileTopologyStore.class);
    private static final long SETTLE_NANOS = TimeUnit.MILLISECONDS.toNanos(30);

    private final Path file;
    private final Path lockFile;
    private final Duration pollInterval;
    private final QuorumState quorum;
    private final LocalElections elections;
    private final EventPublisher<TopologyConfigException> errors = new EventPublisher<>();
    private final ConcurrentHashMap<String, CopyOnWriteArrayList<MonotonicListener>> watchers = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    // guarded by lock:
    private final Map<String, Long> epochFloor = new HashMap<>();
    private byte[] lastBytes;
    private boolean fileBad;
    // published state:
    private volatile Map<String, ClusterTopology> clusters = Map.of();
    private volatile TopologyConfigException lastError;
    private volatile boolean closed;
    private final WatchService watchService;
    private final Thread watcher;

    /** Loads {@code file} with default settings and starts watching it. */
    public static FileTopologyStore open(Path file) {
        return builder(file).open();
    }

    public static FileStoreBuilder builder(Path file) {
        return new FileStoreBuilder(file);
    }

    FileTopologyStore(Path file, Duration pollInterval, Clock clock) {
        this.file = file.toAbsolutePath().normalize();
        this.lockFile = this.file.resolveSibling(this.file.getFileName() + ".lock");
        this.pollInterval = pollInterval;
        this.quorum = new QuorumState(QuorumSignal.State.CONNECTED, clock);
        this.elections = new LocalElections(clock);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(this.file);
        } catch (NoSuchFileException e) {
            throw new TopologyConfigException(this.file.toString(), -1, -1, "", "file not found", e);
        } catch (IOException e) {
            throw new TopologyConfigException(this.file.toString(), -1, -1, "", "cannot read: " + e, e);
        }
        apply(TopologyCodec.readFile(bytes, this.file.toString(), Map.of()));
        lastBytes = bytes;
        try {
            watchService = this.file.getFileSystem().newWatchService();
            this.file.getParent().register(watchService, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException e) {
            throw new TopologyStoreException("cannot watch " + this.file, e);
        }
        watcher = Thread.ofPlatform().daemon().name("nines-topology-file[" + this.file.getFileName() + "]")
                .start(this::watchLoop);
    }

    /** The file this store reads and writes. */
    public Path file() {
        return file;
    }

    /** The last reload error, until a good file is loaded again. */
    public Optional<TopologyConfigException> lastError() {
        return Optional.ofNullable(lastError);
    }

    /** Calls {@code listener} for every rejected reload (the last good topology stays in force). */
    public Subscription onError(Consumer<? super TopologyConfigException> listener) {
        return errors.subscribe(listener);
    }

    /** Re-reads the file now (as the watcher would); returns whether the file is currently good. */
    public boolean reload() {
        refresh();
        lock.lock();
        try {
            return !fileBad;
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- reads

    @Override
    public Optional<ClusterTopology> get(String cluster) {
        Names.segment("cluster", "name", cluster);
        refresh();
        return Optional.ofNullable(clusters.get(cluster));
    }

    @Override
    public List<String> clusters() {
        refresh();
        List<String> names = new ArrayList<>(clusters.keySet());
        names.sort(null);
        return names;
    }

    @Override
    public Subscription watch(String cluster, Consumer<? super ClusterTopology> listener) {
        Names.segment("cluster", "name", cluster);
        ensureOpen();
        MonotonicListener l = new MonotonicListener(listener);
        watchers.computeIfAbsent(cluster, c -> new CopyOnWriteArrayList<>()).add(l);
        ClusterTopology now = clusters.get(cluster);
        if (now != null) {
            l.deliver(now);
        }
        return () -> {
            l.close();
            CopyOnWriteArrayList<MonotonicListener> list = watchers.get(cluster);
            if (list != null) {
                list.remove(l);
            }
        };
    }

    // ---------------------------------------------------------------- writes

    @Override
    public ClusterTopology create(ClusterTopology topology) {
        ensureOpen();
        Refresh r = Refresh.NONE;
        lock.lock();
        try {
            OsLock os = osLock();
            try {
                r = refreshLocked();
                requireGoodFile();
                if (clusters.containsKey(topology.name())) {
                    throw new ClusterExistsException(topology.name());
                }
                Long floor = epochFloor.get(topology.name());
                if (floor != null && topology.epoch() < floor) {
                    throw new IllegalArgumentException("cluster " + topology.name() + " had epoch " + floor
                            + " before; a topology epoch never decreases");
                }
                Map<String, ClusterTopology> next = new LinkedHashMap<>(clusters);
                next.put(topology.name(), topology);
                write(next.values());
            } finally {
                os.close();
            }
        } finally {
            lock.unlock();
            publish(r); // outside the lock: listeners may call back into the store
        }
        deliver(topology);
        return topology;
    }

    @Override
    public boolean compareAndSet(String cluster, long expectedEpoch, ClusterTopology next) {
        StoreChecks.checkSuccessor(cluster, expectedEpoch, next);
        ensureOpen();
        Refresh r = Refresh.NONE;
        lock.lock();
        try {
            OsLock os = osLock();
            try {
                r = refreshLocked();
                requireGoodFile();
                ClusterTopology current = clusters.get(cluster);
                if (current == null || current.epoch() != expectedEpoch) {
                    return false;
                }
                Map<String, ClusterTopology> all = new LinkedHashMap<>(clusters);
                all.put(cluster, next);
                write(all.values());
            } finally {
                os.close();
            }
        } finally {
            lock.unlock();
            publish(r);
        }
        deliver(next);
        return true;
    }

    // ---------------------------------------------------------------- elections, quorum

    @Override
    public Leadership elect(String group, String participantId) {
        Names.segment("election", "group", group);
        if (participantId == null || participantId.isBlank()) {
            throw new IllegalArgumentException("participantId must be set and not blank");
        }
        ensureOpen();
        return elections.join(group, participantId);
    }

    @Override
    public QuorumSignal quorum() {
        return quorum;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            watchService.close();
        } catch (IOException e) {
            LOG.debug("closing the watch service of {}", file, e);
        }
        watcher.interrupt();
        try {
            watcher.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        elections.closeAll();
        watchers.values().forEach(list -> list.forEach(MonotonicListener::close));
        watchers.clear();
    }

    @Override
    public String toString() {
        return "FileTopologyStore[" + file + "]";
    }

    // ---------------------------------------------------------------- internals

    /** What a refresh found: topologies to deliver and an error to report, both handled outside the lock. */
    private record Refresh(List<ClusterTopology> changed, TopologyConfigException error) {
        static final Refresh NONE = new Refresh(List.of(), null);
    }

    private void watchLoop() {
        while (!closed) {
            try {
                WatchKey key = watchService.poll(pollInterval.toNanos(), TimeUnit.NANOSECONDS);
                if (key != null) {
                    drain(key);
                    // Let a burst of writes settle before reading (editors write in several steps).
                    WatchKey more;
                    while ((more = watchService.poll(SETTLE_NANOS, TimeUnit.NANOSECONDS)) != null) {
                        drain(more);
                    }
                }
                refresh();
            } catch (ClosedWatchServiceException | InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.error("watching topology file {} failed; will retry", file, e);
            }
        }
    }

    private static void drain(WatchKey key) {
        key.pollEvents();
        key.reset();
    }

    private void refresh() {
        Refresh r;
        lock.lock();
        try {
            r = refreshLocked();
        } finally {
            lock.unlock();
        }
        publish(r);
    }

    private Refresh refreshLocked() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            if (lastBytes == null) {
                return Refresh.NONE; // already reported
            }
            lastBytes = null;
            fileBad = true;
            return failed(new TopologyConfigException(file.toString(), -1, -1, "",
                    "file is missing; keeping the last topology", e));
        } catch (IOException e) {
            fileBad = true;
            lastBytes = null;
            return failed(new TopologyConfigException(file.toString(), -1, -1, "", "cannot read: " + e, e));
        }
        if (bytes.length == 0 || (lastBytes != null && Arrays.equals(bytes, lastBytes))) {
            return Refresh.NONE;
        }
        lastBytes = bytes;
        List<ClusterTopology> parsed;
        try {
            parsed = TopologyCodec.readFile(bytes, file.toString(), Map.copyOf(epochFloor));
        } catch (TopologyConfigException e) {
            fileBad = true;
            return failed(e);
        }
        fileBad = false;
        lastError = null;
        return new Refresh(apply(parsed), null);
    }

    private Refresh failed(TopologyConfigException e) {
        lastError = e;
        return new Refresh(List.of(), e);
    }

    /** Makes {@code parsed} the current state; returns the topologies that changed. Caller holds the lock (or is the constructor). */
    private List<ClusterTopology> apply(Collection<ClusterTopology> parsed) {
        Map<String, ClusterTopology> old = clusters;
        Map<String, ClusterTopology> next = new LinkedHashMap<>();
        List<ClusterTopology> changed = new ArrayList<>();
        for (ClusterTopology t : parsed) {
            next.put(t.name(), t);
            epochFloor.merge(t.name(), t.epoch(), Math::max);
            if (t.supersedes(old.get(t.name()))) {
                changed.add(t);
            }
        }
        clusters = Collections.unmodifiableMap(next);
        return changed;
    }

    private void requireGoodFile() {
        if (fileBad) {
            TopologyConfigException e = lastError;
            throw new TopologyStoreException("topology file " + file + " is invalid; fix it before publishing"
                    + (e == null ? "" : ": " + e.getMessage()), e);
        }
    }

    /** Writes the file atomically and makes it the current state. Caller holds both locks. */
    private void write(Collection<ClusterTopology> all) {
        byte[] bytes = TopologyCodec.writeFile(all);
        Path dir = file.getParent();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
            try {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
                Files.setPosixFilePermissions(tmp, perms); // keep the file readable by whoever could read it
            } catch (UnsupportedOperationException | IOException e) {
                LOG.debug("cannot copy permissions of {}", file, e);
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new TopologyStoreException("the file system of " + file + " cannot rename atomically", e);
            }
            tmp = null;
            syncDirectory(dir);
        } catch (IOException e) {
            throw new TopologyStoreException("cannot write " + file + ": " + e, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    LOG.debug("cannot delete {}", tmp, e);
                }
            }
        }
        lastBytes = bytes;
        fileBad = false;
        lastError = null;
        apply(all);
    }

    /** Makes the rename durable; not every platform can open a directory, which is fine. */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.trace("cannot fsync directory {}", dir, e);
        }
    }

    /** The OS lock on {@code <file>.lock} that serializes writers across processes. */
    @FunctionalInterface
    private interface OsLock {
        void close();
    }

    private OsLock osLock() {
        FileChannel ch;
        try {
            ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new TopologyStoreException("cannot open lock file " + lockFile + ": " + e, e);
        }
        FileLock fl;
        try {
            fl = ch.lock();
        } catch (IOException | OverlappingFileLockException e) {
            closeQuietly(ch);
            throw new TopologyStoreException("cannot lock " + lockFile
                    + (e instanceof OverlappingFileLockException ? " (another store on this file in this JVM?)" : ": " + e), e);
        }
        return () -> {
            try {
                fl.release();
            } catch (IOException e) {
                LOG.debug("releasing {}", lockFile, e);
            }
            closeQuietly(ch);
        };
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            LOG.debug("closing channel", e);
        }
    }

    private void publish(Refresh r) {
        if (r.error() != null) {
            LOG.error("{} (keeping the last good topology)", r.error().getMessage());
            errors.publish(r.error());
        }
        r.changed().forEach(this::deliver);
    }

    private void deliver(ClusterTopology t) {
        CopyOnWriteArrayList<MonotonicListener> list = watchers.get(t.name());
        if (list != null) {
            for (MonotonicListener l : list) {
                l.deliver(t);
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("topology store is closed");
        }
    }
}
