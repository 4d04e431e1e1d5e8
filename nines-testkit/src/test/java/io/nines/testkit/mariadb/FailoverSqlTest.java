package io.nines.testkit.mariadb;

import static org.assertj.core.api.Assertions.assertThat;

import io.nines.mariadb.GtidPosition;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FailoverSqlTest {

    @Test
    void failoverSqlQuotesLiteralsAndFormatsTheWait() {
        assertThat(FailoverSql.changeMaster(new InetSocketAddress("127.0.0.1", 3307), "ro'ot", "p\\w", true))
                .isEqualTo("CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=3307, MASTER_USER='ro''ot',"
                        + " MASTER_PASSWORD='p\\\\w', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1,"
                        + " MASTER_DEMOTE_TO_SLAVE=1");
        assertThat(FailoverSql.masterGtidWait(GtidPosition.parse("0-1-3"), Duration.ofMillis(2500)))
                .isEqualTo("SELECT MASTER_GTID_WAIT('0-1-3', 2.500)");
        assertThat(FailoverSql.promote()).containsExactly("STOP SLAVE", "RESET SLAVE ALL",
                "SET GLOBAL rpl_semi_sync_master_enabled=ON", "SET GLOBAL read_only=OFF");
        assertThat(FailoverSql.repoint(new InetSocketAddress("127.0.0.1", 1), "root", "")).hasSize(3)
                .startsWith("STOP SLAVE").endsWith("START SLAVE");
        assertThat(ZoneRouter.direct().route("a", "b", new InetSocketAddress("127.0.0.1", 5)))
                .isEqualTo(new InetSocketAddress("127.0.0.1", 5));
    }
}
