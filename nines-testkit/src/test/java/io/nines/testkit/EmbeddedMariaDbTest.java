package io.nines.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class EmbeddedMariaDbTest {

    @Test
    void startsOnLoopbackCreatesDatabaseThroughJdbcAndCleansUpOnClose() throws Exception {
        Path dir;
        int port;
        try (EmbeddedMariaDb db = EmbeddedMariaDb.start()) {
            dir = db.directory();
            port = db.port();
            assertThat(db.jdbcUrl("app")).isEqualTo("jdbc:mariadb://127.0.0.1:" + port + "/app");
            assertThat(Files.isDirectory(dir)).isTrue();

            db.createDatabase("app");
            db.createDatabase("app"); // idempotent
            try (Connection c = db.connect("app"); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))");
                s.execute("INSERT INTO t VALUES (1, 'one')");
                try (ResultSet rs = s.executeQuery("SELECT v, DATABASE(), VERSION() FROM t WHERE id = 1")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("one");
                    assertThat(rs.getString(2)).isEqualTo("app");
                    assertThat(rs.getString(3)).startsWith("10.11");
                }
            }
            assertThatThrownBy(() -> db.createDatabase("bad name; DROP"))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(Files.exists(dir)).isFalse();
        assertThatThrownBy(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            }
        }).isInstanceOf(ConnectException.class);
    }

    @Test
    void twoServersRunSideBySide() throws Exception {
        try (EmbeddedMariaDb a = EmbeddedMariaDb.start(); EmbeddedMariaDb b = EmbeddedMariaDb.start()) {
            assertThat(a.port()).isNotEqualTo(b.port());
            assertThat(a.directory()).isNotEqualTo(b.directory());
            a.createDatabase("only_a");
            try (Connection c = b.connect(""); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SHOW DATABASES LIKE 'only_a'")) {
                assertThat(rs.next()).isFalse();
            }
        }
    }

    @Test
    void retriesWithAnotherPortWhenTheChosenOneIsTaken() throws Exception {
        try (ServerSocket squatter = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            AtomicInteger calls = new AtomicInteger();
            IntSupplier ports = () -> calls.getAndIncrement() == 0 ? squatter.getLocalPort() : FreePorts.loopback();
            try (EmbeddedMariaDb server = EmbeddedMariaDb.start(ports)) {
                assertThat(calls.get()).isEqualTo(2);
                assertThat(server.port()).isNotEqualTo(squatter.getLocalPort());
            }
        }
    }
}
