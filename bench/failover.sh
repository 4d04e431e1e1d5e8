#!/usr/bin/env bash
# Kill-the-primary rounds on the embedded stack (3-node ZooKeeper ensemble over zones a/b/c, MariaDB 10.11
# db1+db2 in zone a and db3 in zone b with GTID and semi-sync, two failover managers, bank clients in both zones
# writing through nines-jdbc). Each round kills the primary (SIGKILL) under load, waits for the first
# acknowledged write at the new epoch, restarts the killed server and waits for it to rejoin. Prints detection
# time, time to writable and lost acknowledged writes as p50 / max, and draws a chart.
#
#   bench/failover.sh              10 rounds (about 2 minutes)
#   ROUNDS=20 bench/failover.sh    more rounds
#
# Results go to bench/results/ (not versioned): failover-latest.txt (the run's output), failover-latest.csv
# (one line per round) and failover-latest.svg (the chart).
set -euo pipefail
bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$bench/.." && pwd)"
results="$bench/results"
mkdir -p "$results"
rounds="${ROUNDS:-10}"
stamp="$(date +%Y%m%d-%H%M%S)"

set +e
"$root/nines" demo rounds --rounds "$rounds" --csv "$results/failover-$stamp.csv" | tee "$results/failover-$stamp.txt"
status=${PIPESTATUS[0]}
set -e
cp "$results/failover-$stamp.txt" "$results/failover-latest.txt"
if [ -f "$results/failover-$stamp.csv" ]; then
  cp "$results/failover-$stamp.csv" "$results/failover-latest.csv"
  python3 "$bench/failover_chart.py" "$results/failover-latest.csv" "$results/failover-latest.svg" \
    && echo "chart: $results/failover-latest.svg"
fi
exit "$status"
