package io.nines.mariadb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GtidPositionTest {

    @Test
    void parsesMariaDbTextAndPrintsItBack() {
        GtidPosition p = GtidPosition.parse("0-1-3,\n1-2-10");
        assertThat(p.gtids()).containsExactly(new Gtid(0, 1, 3), new Gtid(1, 2, 10));
        assertThat(p).hasToString("0-1-3,1-2-10");
        assertThat(GtidPosition.parse("")).isEqualTo(GtidPosition.EMPTY);
        assertThat(GtidPosition.parse(null).isEmpty()).isTrue();
        assertThat(p.seqNo(1)).hasValue(10);
        assertThat(p.seqNo(7)).isEmpty();
        assertThatThrownBy(() -> GtidPosition.parse("0-1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Gtid.parse("0-x-1")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void reachesComparesSequenceNumbersPerDomain() {
        GtidPosition primary = GtidPosition.parse("0-2-7,1-1-3");
        assertThat(GtidPosition.parse("0-2-7,1-1-3").reaches(primary)).isTrue();
        assertThat(GtidPosition.parse("0-2-8,1-1-4").reaches(primary)).isTrue();
        assertThat(GtidPosition.parse("0-2-6,1-1-3").reaches(primary)).isFalse();
        assertThat(GtidPosition.parse("0-2-7").reaches(primary)).isFalse(); // domain 1 missing
        assertThat(GtidPosition.EMPTY.reaches(GtidPosition.EMPTY)).isTrue();
    }

    @Test
    void missingFromFindsErrantTransactionsPerDomainAndServer() {
        // New primary (server 2) replicated server 1 up to 0-1-3, then wrote 0-2-4.
        GtidPosition newPrimary = GtidPosition.parse("0-1-3,0-2-4");
        // The old primary came back with exactly what the new one got from it: nothing errant.
        assertThat(GtidPosition.parse("0-1-3").missingFrom(newPrimary)).isEmpty();
        // It wrote 0-1-4, which never reached server 2: same sequence number as 0-2-4, another history.
        assertThat(GtidPosition.parse("0-1-4").missingFrom(newPrimary)).containsExactly(new Gtid(0, 1, 4));
        // A server unknown to the new primary at all.
        assertThat(GtidPosition.parse("0-1-3,0-9-1").missingFrom(newPrimary)).containsExactly(new Gtid(0, 9, 1));
        // Having less than the new primary is fine (it will catch up).
        assertThat(GtidPosition.parse("0-1-2").missingFrom(newPrimary)).isEmpty();
    }
}
