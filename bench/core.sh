#!/usr/bin/env bash
# Runs the stacked-pipeline JMH benchmarks (circuit breaker + rate limiter + retry + bulkhead around a
# no-op and around Blackhole.consumeCPU(100)) for Nines, Resilience4j, Failsafe and Sentinel, at 1 and 2
# threads, with the gc profiler, then prints ns/op, overhead over the bare call, B/op and Nines' ratio to
# each peer. Short settings: the whole run takes about 5 minutes on 2 cores.
#
#   bench/core.sh                 build, run everything, print the table
#   bench/core.sh --no-build      reuse bench/target/benchmarks.jar
#   bench/core.sh --report FILE.. print the table of earlier JSON results (bench/results/*.json)
#   BENCH_FILTER='Nines|Baseline' bench/core.sh   run only the matching benchmark classes
#   BENCH_THREADS='1 2' BENCH_JMH='-f 1 -wi 5 -w 1s -i 8 -r 1s' bench/core.sh   change the settings
#
# Results (raw JMH JSON, full logs and the printed table) go to bench/results/ (not versioned).
set -euo pipefail
bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$bench/.." && pwd)"
results="$bench/results"
jar="$bench/target/benchmarks.jar"
report="$bench/report.py"

# shellcheck source=scripts/find-java.sh
source "$root/scripts/find-java.sh"

command -v python3 >/dev/null 2>&1 || { echo "bench: python3 is needed to print the table" >&2; exit 1; }

build=1
case "${1:-}" in
  --no-build) build=0; shift ;;
  --report) shift; exec python3 "$report" "$@" ;;
  -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
esac

if [ "$build" = 1 ]; then
  echo "bench: building bench/target/benchmarks.jar ..."
  (cd "$root" && ./mvnw -B -q -Pbench -pl bench -am -DskipTests package)
fi
[ -f "$jar" ] || { echo "bench: $jar is missing (run without --no-build)" >&2; exit 1; }

java_bin="$(find_java)"
threads="${BENCH_THREADS:-1 2}"
jmh_opts="${BENCH_JMH:--f 1 -wi 5 -w 1s -i 8 -r 1s}"
filter="${BENCH_FILTER:-Baseline|Nines|Resilience4j|Failsafe|Sentinel}"
stamp="$(date +%Y%m%d-%H%M%S)"
mkdir -p "$results"

{
  echo "date:    $(date -Is)"
  echo "host:    $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
  echo "jvm:     $("$java_bin" -version 2>&1 | head -1) ($java_bin)"
  echo "jmh:     $jmh_opts -prof gc, threads: $threads, filter: $filter"
  echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, before the run; other work on the machine shows here)"
} > "$results/run-$stamp.env"
echo "bench: $(sed -n 's/^jvm: *//p' "$results/run-$stamp.env"), $jmh_opts, threads $threads; results in ${results#$root/}/"

jsons=()
for t in $threads; do
  json="$results/jmh-$stamp-t$t.json"
  log="$results/jmh-$stamp-t$t.log"
  echo "bench: running with $t thread(s); full log in ${log#$root/}"
  # Progress: one line per benchmark and parameter, the rest goes to the log.
  set +e +o pipefail
  # shellcheck disable=SC2086
  "$java_bin" -jar "$jar" "io\.nines\.bench\.($filter)Bench\..*" $jmh_opts -t "$t" -prof gc -foe true \
      -jvmArgs "-Xms1g -Xmx1g" -rf json -rff "$json" 2>&1 | tee "$log" \
    | awk '/^# Benchmark: /{b=$3; sub(/^io\.nines\.bench\./, "", b); p=""}
           /^# Parameters: /{p=$0; sub(/^# Parameters: /, "", p)}
           /^# Run progress: /{printf "  [%6s] t=%s %-28s %-16s ETA %s\n", $4, t, b, p, $7; fflush()}
           /<failure>|Exception|ERROR/{print "  " $0; fflush()}' t="$t"
  rc="${PIPESTATUS[0]}"
  set -e -o pipefail
  [ "$rc" = 0 ] || { echo "bench: JMH failed (exit $rc), see $log" >&2; exit 1; }
  jsons+=("$json")
done

echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, after the run)" >> "$results/run-$stamp.env"
python3 "$report" --env "$results/run-$stamp.env" "${jsons[@]}" | tee "$results/table-$stamp.txt"
cp "$results/table-$stamp.txt" "$results/latest.txt"
