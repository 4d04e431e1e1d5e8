package io.nines.testkit.mariadb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nines.testkit.EmbeddedMariaDb;
import io.nines.testkit.TempDirs;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** kill/stop/restart, shared binaries, server options and grant tables of {@link EmbeddedMariaDb}. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmbeddedMariaDbLifecycleTest {

    private Path binaries;

    @BeforeAll
    void unpackOnce() throws Exception {
        binaries = Files.createTempDirectory("nines-mariadb-bin-test-");
        EmbeddedMariaDb.unpackBinaries(binaries);
    }

    @AfterAll
    void deleteBinaries() throws Exception {
        TempDirs.deleteRecursively(binaries);
    }

    @Test
    void killIsACrashAndRestartComesBackOnTheSameDataAndPort() throws Exception {
        try (EmbeddedMariaDb db = EmbeddedMariaDb.builder().binaries(binaries).serverId(7)
                .option("log_bin", "mariadb-bin").start()) {
            int port = db.port();
            long pid = db.pid().orElseThrow();
            assertThat(db.isRunning()).isTrue();
            assertThat(Files.exists(db.directory().resolve("base"))).as("binaries are shared").isFalse();
            String shared = binaries.toRealPath().toString();
            assertThat(ProcessHandle.of(pid).orElseThrow().info().command()).hasValueSatisfying(
                    c -> assertThat(c).startsWith(shared));
            assertThat(scalar(db, "SELECT @@server_id")).isEqualTo("7");
            assertThat(scalar(db, "SELECT @@log_bin")).isEqualTo("1");
            db.createDatabase("app");
            try (Connection c = db.connect("app"); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE t (id INT PRIMARY KEY)");
                s.execute("INSERT INTO t VALUES (1)");
            }

            db.kill();
            assertThat(db.isRunning()).isFalse();
            assertThat(db.pid()).isEmpty();
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertRefused(port);
            assertThatThrownBy(() -> db.connect("app")).isInstanceOf(SQLException.class);

            db.restart();
            assertThat(db.isRunning()).isTrue();
            assertThat(db.port()).isEqualTo(port);
            assertThat(db.pid().orElseThrow()).isNotEqualTo(pid);
            assertThat(scalar(db, "SELECT COUNT(*) FROM app.t")).isEqualTo("1");
            assertThat(scalar(db, "SELECT @@server_id")).as("same options").isEqualTo("7");

            db.stop();
            assertThat(db.isRunning()).isFalse();
            assertRefused(port);
            db.restart();
            db.restart(); // a running server is stopped cleanly first
            assertThat(scalar(db, "SELECT COUNT(*) FROM app.t")).isEqualTo("1");
        }
    }

    @Test
    void readOnlyStopsTheAppUserOnlyWithGrantTables() throws Exception {
        try (EmbeddedMariaDb strict = EmbeddedMariaDb.builder().binaries(binaries).grantTables(true)
                .option("read_only", true).start();
             EmbeddedMariaDb lax = EmbeddedMariaDb.builder().binaries(binaries).option("read_only", true).start()) {
            strict.createDatabase("app"); // root may write under read_only
            try (Connection c = strict.connectAs(EmbeddedMariaDb.APP_USER, "app"); Statement s = c.createStatement()) {
                assertThatThrownBy(() -> s.execute("CREATE TABLE t (id INT)"))
                        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(1290));
                assertThatThrownBy(() -> s.execute("SET GLOBAL read_only=OFF")).isInstanceOf(SQLException.class);
            }
            try (Connection c = strict.connect(""); Statement s = c.createStatement()) {
                s.execute("SET GLOBAL read_only=OFF");
            }
            try (Connection c = strict.connectAs(EmbeddedMariaDb.APP_USER, "app"); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE t (id INT)");
            }
            strict.restart(); // accounts survive (the init file runs again, without binlog)
            try (Connection c = strict.connectAs(EmbeddedMariaDb.APP_USER, "app"); Statement s = c.createStatement()) {
                assertThatThrownBy(() -> s.execute("INSERT INTO t VALUES (1)")).isInstanceOf(SQLException.class);
            }
            assertThatThrownBy(() -> strict.connectAs("nobody", "")).isInstanceOf(SQLException.class);

            // Under --skip-grant-tables everybody is all-powerful: read_only fences nobody.
            lax.createDatabase("app");
            try (Connection c = lax.connectAs(EmbeddedMariaDb.APP_USER, "app"); Statement s = c.createStatement()) {
                assertThat(scalar(lax, "SELECT @@read_only")).isEqualTo("1");
                s.execute("CREATE TABLE t (id INT)");
                s.execute("INSERT INTO t VALUES (1)");
            }
        }
    }

    @Test
    void rejectsBadOptionNames() {
        assertThatThrownBy(() -> EmbeddedMariaDb.builder().option("--x", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EmbeddedMariaDb.builder().option("a b", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EmbeddedMariaDb.builder().serverId(0)).isInstanceOf(IllegalArgumentException.class);
    }

    private static String scalar(EmbeddedMariaDb db, String sql) throws SQLException {
        try (Connection c = db.connect(""); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void assertRefused(int port) {
        assertThatThrownBy(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            }
        }).isInstanceOf(ConnectException.class);
    }
}
