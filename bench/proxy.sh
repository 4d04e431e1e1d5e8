#!/usr/bin/env bash
# HTTP and TCP proxy benchmark, side by side in one run: wrk (keep-alive, 64 connections, small response) against
# a fast upstream (nginx returning "ok") directly, through HAProxy, through nginx and through `nines proxy`.
# Each proxy is pinned to core 0 with one worker/thread, upstream keep-alive and no access log; wrk and the
# upstream share core 1. Rounds are interleaved (direct, haproxy, nginx, nines, direct, ...) and the table shows
# medians: req/s, p99 latency, the proxy's own CPU (cores busy during the run, from /proc), req/s per proxy core
# and RSS. The client core saturates near 55-60k req/s here, so req/s per proxy core is the fair comparison.
# TCP: bulk throughput of one connection through HAProxy `mode tcp` (splice) and the Nines TCP listener.
#
#   bench/proxy.sh                     3 rounds of 10 s per target (about 3 minutes)
#   ROUNDS=5 DURATION=15 bench/proxy.sh
#   TARGETS="direct haproxy nginx" bench/proxy.sh   (skip Nines, e.g. before `nines proxy` exists)
#
# Needs haproxy, nginx and wrk (Debian: apt-get install haproxy nginx wrk) and python3. Results go to
# bench/results/proxy-latest.{txt,json,svg}.
set -euo pipefail
bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$bench/.." && pwd)"
results="$bench/results"
mkdir -p "$results"
rounds="${ROUNDS:-3}"
duration="${DURATION:-10}"
targets="${TARGETS:-direct haproxy nginx nines}"
tcp_seconds="${TCP_SECONDS:-8}"
for tool in haproxy nginx wrk python3 taskset; do
  command -v "$tool" >/dev/null 2>&1 || { echo "proxy.sh: $tool is missing (apt-get install haproxy nginx wrk)" >&2; exit 1; }
done

nines_tcp=1
if ! "$root/nines" proxy --help >/dev/null 2>&1; then
  echo "proxy.sh: this build has no 'nines proxy': measuring the peers only" >&2
  nines_tcp=0
  targets="${targets//nines/}"
fi

work="$(mktemp -d /tmp/nines-proxy-bench.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
await_port() { # port seconds
  for _ in $(seq 1 $(( $2 * 10 ))); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1 # polling a port in a shell script
  done
  echo "proxy.sh: nothing listens on $1 after $2 s" >&2; return 1
}
render() { # template out: replaces @NAME@ with the variables below
  sed -e "s#@UP@#$up_port#g" -e "s#@HA@#$ha_port#g" -e "s#@NG@#$ng_port#g" -e "s#@NI@#$ni_port#g" \
      -e "s#@ADMIN@#$admin_port#g" -e "s#@WORK@#$work#g" -e "s#@SINK@#$sink_port#g" -e "s#@HATCP@#$ha_tcp_port#g" \
      -e "s#@NITCP@#$ni_tcp_port#g" "$1" > "$2"
}

up_port=$(free_port); ha_port=$(free_port); ng_port=$(free_port); ni_port=$(free_port); admin_port=$(free_port)
sink_port=$(free_port); ha_tcp_port=$(free_port); ni_tcp_port=$(free_port)
mkdir -p "$work/up" "$work/ng"

# The upstream: nginx answering "ok", one worker on core 1 (beside wrk).
render "$bench/proxy/upstream-nginx.conf" "$work/up/nginx.conf"
taskset -c 1 nginx -p "$work/up" -c "$work/up/nginx.conf" -g "daemon off;" & pids+=($!)
await_port "$up_port" 10

declare -A proxy_pid
start_target() {
  case "$1" in
    direct) ;;
    haproxy)
      render "$bench/proxy/haproxy.cfg" "$work/haproxy.cfg"
      taskset -c 0 haproxy -f "$work/haproxy.cfg" -db & proxy_pid[haproxy]=$!; pids+=($!)
      await_port "$ha_port" 10 ;;
    nginx)
      render "$bench/proxy/proxy-nginx.conf" "$work/ng/nginx.conf"
      taskset -c 0 nginx -p "$work/ng" -c "$work/ng/nginx.conf" -g "daemon off;" & proxy_pid[nginx]=$!; pids+=($!)
      await_port "$ng_port" 10 ;;
    nines)
      render "$bench/proxy/nines-http.yaml" "$work/nines.yaml"
      NINES_JAVA_OPTS="${NINES_PROXY_JAVA_OPTS:--Xms64m -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=4}" \
        taskset -c 0 "$root/nines" proxy -c "$work/nines.yaml" > "$work/nines.log" 2>&1 & proxy_pid[nines]=$!; pids+=($!)
      await_port "$ni_port" 120 ;;
  esac
}
port_of() { case "$1" in direct) echo "$up_port";; haproxy) echo "$ha_port";; nginx) echo "$ng_port";; nines) echo "$ni_port";; esac; }

# The real process behind a launcher (the nines script execs java, so the pid is the JVM's; nginx: its worker).
cpu_pids() {
  local p="${proxy_pid[$1]:-}"
  [ -z "$p" ] && return 0
  echo "$p"; pgrep -P "$p" || true
}
cpu_ticks() { local t=0; for p in $(cpu_pids "$1"); do [ -r "/proc/$p/stat" ] && t=$(( t + $(awk '{print $14+$15}' "/proc/$p/stat") )); done; echo "$t"; }
rss_kb() { local t=0; for p in $(cpu_pids "$1"); do [ -r "/proc/$p/status" ] && t=$(( t + $(awk '/VmRSS/{print $2}' "/proc/$p/status") )); done; echo "$t"; }
hz=$(getconf CLK_TCK)

for t in $targets; do start_target "$t"; done
echo "proxy.sh: warming up each target (5 s)"
for t in $targets; do taskset -c 1 wrk -t1 -c64 -d5s "http://127.0.0.1:$(port_of "$t")/" > /dev/null; done

raw="$results/proxy-$(date +%Y%m%d-%H%M%S).jsonl"
: > "$raw"
for r in $(seq 1 "$rounds"); do
  for t in $targets; do
    before=$(cpu_ticks "$t")
    out=$(taskset -c 1 wrk -t1 -c64 -d"${duration}s" --latency "http://127.0.0.1:$(port_of "$t")/")
    after=$(cpu_ticks "$t")
    rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
    p50=$(awk '$1=="50%"{print $2}' <<<"$out"); p99=$(awk '$1=="99%"{print $2}' <<<"$out")
    errors=$(awk '/Non-2xx|Socket errors/{print}' <<<"$out" | tr '\n' ' ')
    printf '{"kind":"http","round":%d,"target":"%s","rps":%s,"p50":"%s","p99":"%s","cpu_s":%s,"seconds":%s,"rss_kb":%s,"errors":"%s"}\n' \
      "$r" "$t" "$rps" "$p50" "$p99" "$(python3 -c "print(($after-$before)/$hz)")" "$duration" "$(rss_kb "$t")" "$errors" >> "$raw"
    echo "round $r $t: $rps req/s, p99 $p99 ${errors}"
  done
done

# TCP bulk: one connection streaming for TCP_SECONDS through HAProxy mode tcp (splice) and the Nines TCP listener.
python3 "$bench/proxy/bulk.py" sink "$sink_port" & pids+=($!)
await_port "$sink_port" 10
render "$bench/proxy/haproxy-tcp.cfg" "$work/haproxy-tcp.cfg"
taskset -c 0 haproxy -f "$work/haproxy-tcp.cfg" -db & proxy_pid[haproxy-tcp]=$!; pids+=($!)
await_port "$ha_tcp_port" 10
tcp_targets="direct-tcp:$sink_port haproxy-tcp:$ha_tcp_port"
if [ "$nines_tcp" = 1 ]; then
  render "$bench/proxy/nines.yaml" "$work/nines-tcp.yaml"
  NINES_JAVA_OPTS="${NINES_PROXY_JAVA_OPTS:--Xms64m -Xmx128m}" \
    taskset -c 0 "$root/nines" proxy -c "$work/nines-tcp.yaml" > "$work/nines-tcp.log" 2>&1 & proxy_pid[nines-tcp]=$!; pids+=($!)
  await_port "$ni_tcp_port" 120
  taskset -c 1 python3 "$bench/proxy/bulk.py" send "$ni_tcp_port" 5 > /dev/null # JIT warm-up
  tcp_targets="$tcp_targets nines-tcp:$ni_tcp_port"
fi
for r in $(seq 1 "$rounds"); do
  for tp in $tcp_targets; do
    name=${tp%%:*}; port=${tp##*:}
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "round $r $name: not listening, skipped"; continue; fi
    before=$(cpu_ticks "$name")
    gbps=$(taskset -c 1 python3 "$bench/proxy/bulk.py" send "$port" "$tcp_seconds")
    after=$(cpu_ticks "$name")
    printf '{"kind":"tcp","round":%d,"target":"%s","gbytes_per_s":%s,"cpu_s":%s,"seconds":%s,"rss_kb":%s}\n' "$r" "$name" \
      "$gbps" "$(python3 -c "print(($after-$before)/$hz)")" "$tcp_seconds" "$(rss_kb "$name")" >> "$raw"
    echo "round $r $name: $gbps GB/s"
  done
done

cp "$raw" "$results/proxy-latest.jsonl"
python3 "$bench/proxy/report.py" "$results/proxy-latest.jsonl" "$results/proxy-latest.svg" | tee "$results/proxy-latest.txt"
