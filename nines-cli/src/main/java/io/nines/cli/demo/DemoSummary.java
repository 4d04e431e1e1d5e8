package io.nines.cli.demo;

import java.util.List;

/**
 * What a demo run measured and what survived it.
 *
 * @param detectMillis             primary killed → first manager suspects it
 * @param writableMillis           primary killed → first acknowledged write on the new primary
 * @param islandZone               the zone cut off (it held the primary)
 * @param firstIslandRefusalMillis cut → first guarded write refused in that zone ({@code -1}: none)
 * @param islandBoundMillis        the bound that refusal must meet: store session timeout + double check
 * @param writableElsewhereMillis  cut → first acknowledged write in another zone at the new epoch
 * @param refusedInIsland          guarded writes refused in the island
 * @param acknowledged             acknowledged writes, all zones
 * @param lost                     acknowledged writes missing from the final primary
 * @param totals                   the final primary's money
 * @param opening                  the money the bank opened with
 * @param finalPrimary             the final primary
 * @param finalEpoch               the final epoch
 * @param oldPrimaryState          the isolated old primary's state in the final topology (QUARANTINED, UP as a replica…)
 */
record DemoSummary(long detectMillis, long writableMillis, String islandZone, long firstIslandRefusalMillis,
                   long islandBoundMillis, long writableElsewhereMillis, long refusedInIsland, long acknowledged,
                   List<LostWrite> lost, BankStack.Totals totals, long opening, String finalPrimary, long finalEpoch,
                   String oldPrimaryState) {

    /** An acknowledged write the final primary lacks, and the running nodes that hold it. */
    record LostWrite(String id, BankClient.Ack ack, List<String> heldBy) {
    }

    boolean conserved() {
        return totals.conserved(opening);
    }

    /** Lost debits (money paid out with no record) and accounts below zero. */
    long overDeductions() {
        return lost.stream().filter(l -> l.ack().kind().equals("debit")).count() + totals.negativeAccounts();
    }

    /** The three things that must hold. */
    boolean safe() {
        return lost.isEmpty() && conserved() && overDeductions() == 0;
    }
}
