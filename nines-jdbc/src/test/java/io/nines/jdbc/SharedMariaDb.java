package io.nines.jdbc;

import io.nines.testkit.EmbeddedMariaDb;
import io.nines.testkit.TempDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;

/** One unpacked copy of the MariaDB binaries for every test class of this module (a server then starts in ~1 s). */
public final class SharedMariaDb {

    private static final ReentrantLock LOCK = new ReentrantLock();
    private static Path binaries;

    private SharedMariaDb() {
    }

    public static Path binaries() {
        LOCK.lock();
        try {
            if (binaries == null) {
                Path dir = Files.createTempDirectory("nines-jdbc-mariadb-");
                EmbeddedMariaDb.unpackBinaries(dir);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        TempDirs.deleteRecursively(dir);
                    } catch (IOException e) {
                        // best effort at exit
                    }
                }));
                binaries = dir;
            }
            return binaries;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            LOCK.unlock();
        }
    }

    /** A standalone server (no replication) with an {@code app} database. */
    public static EmbeddedMariaDb start(String name) {
        EmbeddedMariaDb db = EmbeddedMariaDb.builder().binaries(binaries()).name(name).start();
        db.createDatabase("app");
        return db;
    }
}
