package io.nines.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The README's main command, end to end on real MariaDB 10.11 and a 3-node ZooKeeper ensemble: the primary is
 * killed under the bank load, then the zone holding the new primary is cut off from the store and the other zone,
 * then the network heals. This is the partition acceptance test: the island's clients refuse guarded
 * writes within the store session timeout plus the double check, the other zone fails over, and after the heal the
 * bank invariant holds, nothing acknowledged is lost and the old primary is quarantined (the demo's rejoin policy).
 */
class DemoCommandTest {

    @Test
    void theBankSurvivesACrashAndAnIslandWithNothingAcknowledgedLost() {
        DemoCommand demo = new DemoCommand();
        CommandLine cmd = new CommandLine(demo);
        StringWriter out = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(out, true));

        int exit = cmd.execute("--phase", "4s");

        String text = out.toString();
        DemoSummary s = demo.summary();
        assertThat(s).as(text).isNotNull();
        assertThat(s.lost()).as(text).isEmpty();
        assertThat(s.conserved()).as(text).isTrue();
        assertThat(s.overDeductions()).as(text).isZero();
        assertThat(exit).as(text).isZero();
        assertThat(text).contains("RESULT: safe");

        // The crash: a replica took writes within the acceptance bound.
        assertThat(s.writableMillis()).as(text).isBetween(0L, 5_000L);
        // The island: its clients refused within the store session timeout + double check ...
        assertThat(s.firstIslandRefusalMillis()).as(text).isBetween(0L, s.islandBoundMillis());
        assertThat(s.refusedInIsland()).as(text).isPositive();
        // ... the other zone failed over (it holds the primary now) ...
        assertThat(s.finalPrimary()).isEqualTo("db3");
        assertThat(s.finalEpoch()).isGreaterThanOrEqualTo(3);
        // ... and the old primary, back after the heal with writes only it had, is kept out.
        assertThat(s.oldPrimaryState()).as(text).startsWith("QUARANTINED");
        assertThat(s.acknowledged()).isPositive();
    }
}
