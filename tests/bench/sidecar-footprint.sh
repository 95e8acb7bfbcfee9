#!/usr/bin/env bash
# The sidecar's footprint (issue 12): Router forwarding to a Knot upstream beside dnsmasq doing the same, same
# upstream, same query streams. A miss phase (unique names under a wildcard, so every query is a cache miss and goes
# upstream) and a hit phase (a few names, already cached). Prints q/s, CPU us per query and RSS over time (idle,
# during, after) for each, the Router/dnsmasq ratios, and informational PASS/FAIL lines against the issue's goals.
# A script, not a test: the exit code is non-zero only when something broke. Loopback (127.0.0.1) only.
# See tests/bench/README.md.
#
# Environment:
#   BENCH_SECONDS   dnsperf -l of the miss phase                            [20]
#   BENCH_HIT_SECONDS dnsperf -l of the hit phase                           [10]
#   BENCH_SERVERS   comma list of router, dnsmasq                            [router,dnsmasq]
#   BENCH_CLIENTS   dnsperf -c                                               [8]
#   BENCH_QPS       dnsperf -Q: fixed offered load instead of maximum rate  [unset]
#   BENCH_IDLE      seconds a server sits idle after start-up, and after the load, before its RSS is read [5]
#   BENCH_CACHE     cache entries, Router's Forwarding:Cache:MaxEntries and dnsmasq's --cache-size [10000]
#   ROUTER_BIN      Router executable; when set, no build is done          [build src/Router.Cli in Release]
#   ROUTER_ENV      extra environment for Router, e.g. "DOTNET_GCgen0MaxBudget=0x600000" (GC experiments) [unset]
#   BENCH_KEEP_TMP  1 = keep the temporary directory (configs, logs, dnsperf output, RSS samples)
set -euo pipefail

readonly ZONE=up.test
readonly FIRST_PORT=15601
readonly LAST_PORT=15699
readonly STARTUP_TIMEOUT_S=60
readonly BUILD_TIMEOUT_S=900
readonly INSTALL_TIMEOUT_S=600
readonly STOP_TIMEOUT_S=10
# The goals of issue 12 (informational).
readonly GOAL_RSS_LOAD_MB=100 GOAL_RSS_IDLE_MB=60 GOAL_MISS_CPU_US=50

BENCH_SECONDS=${BENCH_SECONDS:-20}
BENCH_HIT_SECONDS=${BENCH_HIT_SECONDS:-10}
BENCH_CLIENTS=${BENCH_CLIENTS:-8}
BENCH_QPS=${BENCH_QPS:-}
BENCH_IDLE=${BENCH_IDLE:-5}
BENCH_CACHE=${BENCH_CACHE:-10000}
BENCH_KEEP_TMP=${BENCH_KEEP_TMP:-0}
ROUTER_ENV=${ROUTER_ENV:-}

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)

BENCH_NAME=sidecar-footprint
BENCH_KEEP_VAR=BENCH_KEEP_TMP
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$SCRIPT_DIR/lib.sh"
is_positive "$BENCH_SECONDS" || usage_error "BENCH_SECONDS must be a positive integer"
is_positive "$BENCH_HIT_SECONDS" || usage_error "BENCH_HIT_SECONDS must be a positive integer"
is_positive "$BENCH_CLIENTS" || usage_error "BENCH_CLIENTS must be a positive integer"
is_uint "$BENCH_IDLE" || usage_error "BENCH_IDLE must be a non-negative integer"
is_positive "$BENCH_CACHE" || usage_error "BENCH_CACHE must be a positive integer"
[[ -z $BENCH_QPS ]] || is_positive "$BENCH_QPS" || usage_error "BENCH_QPS must be a positive integer"
IFS=', ' read -r -a SERVERS <<<"${BENCH_SERVERS:-router,dnsmasq}"
((${#SERVERS[@]} > 0)) || usage_error "BENCH_SERVERS is empty"
for s in "${SERVERS[@]}"; do
    [[ $s == router || $s == dnsmasq ]] || usage_error "unknown server '$s' in BENCH_SERVERS (use router, dnsmasq)"
done
has_server() {
    local s
    for s in "${SERVERS[@]}"; do [[ $s == "$1" ]] && return 0; done
    return 1
}

bench_workdir

# --- tools --------------------------------------------------------------------------------------------------------

missing=()
command -v dnsperf >/dev/null 2>&1 || missing+=(dnsperf)
command -v dig >/dev/null 2>&1 || missing+=(bind9-dnsutils)
command -v knotd >/dev/null 2>&1 || missing+=(knot)
if has_server dnsmasq && ! command -v dnsmasq >/dev/null 2>&1; then missing+=(dnsmasq-base); fi
((${#missing[@]} == 0)) || apt_install "${missing[@]}"
for tool in dnsperf dig knotd getconf timeout awk; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
CLK_TCK=$(getconf CLK_TCK)

if has_server router && [[ -z ${ROUTER_BIN:-} ]]; then
    log "sidecar-footprint: building Router (Release)"
    timeout "$BUILD_TIMEOUT_S" dotnet build -c Release "$REPO_ROOT/src/Router.Cli/Router.Cli.csproj" >"$WORK/build.log" 2>&1 || {
        tail -n 30 "$WORK/build.log" >&2
        die "dotnet build failed"
    }
    ROUTER_BIN=$REPO_ROOT/src/Router.Cli/bin/Release/net10.0/router
fi

# --- the upstream: Knot, authoritative for up.test with a wildcard, so every unique name exists ---------------------

declare -A PID PORT_OF LOG_OF

dig_q() { # PORT NAME: one bounded query
    dig +time=1 +tries=1 +short -p "$1" @127.0.0.1 "$2" A 2>/dev/null || true
}

wait_answering() { # NAME
    local s=$1 i
    for ((i = 0; i < STARTUP_TIMEOUT_S * 5; i++)); do
        [[ $(dig_q "${PORT_OF[$s]}" "start.$ZONE") == 192.0.2.1 ]] && return 0
        kill -0 "${PID[$s]}" 2>/dev/null || break
        sleep 0.2
    done
    log "sidecar-footprint: $s (PID ${PID[$s]}) did not answer start.$ZONE A on 127.0.0.1:${PORT_OF[$s]}; last lines of ${LOG_OF[$s]}:"
    tail -n 20 "${LOG_OF[$s]}" >&2 || true
    return 1
}

mkdir -p "$WORK/knot/run" "$WORK/knot/db"
cat >"$WORK/$ZONE.zone" <<EOF
\$ORIGIN $ZONE.
\$TTL 300
@   IN SOA ns1 hostmaster 2026010101 3600 600 86400 300
@   IN NS  ns1
ns1 IN A   127.0.0.1
*   IN A   192.0.2.1
EOF
next_free_port
PORT_OF[knot]=$PORT LOG_OF[knot]=$WORK/knot/knotd.log
cat >"$WORK/knot/knot.conf" <<EOF
server:
    listen: 127.0.0.1@$PORT
    rundir: "$WORK/knot/run"
    udp-workers: 2
log:
  - target: stderr
    any: warning
database:
    storage: "$WORK/knot/db"
zone:
  - domain: $ZONE
    file: "$WORK/$ZONE.zone"
EOF
knotd -c "$WORK/knot/knot.conf" >"${LOG_OF[knot]}" 2>&1 &
PID[knot]=$!
STARTED_PIDS+=("${PID[knot]}")
wait_answering knot || die "Knot DNS did not start (config $WORK/knot/knot.conf)$(keep_hint)"
UPSTREAM_PORT=${PORT_OF[knot]}

# --- the forwarders ---------------------------------------------------------------------------------------------

start_router() {
    local dir=$WORK/router
    mkdir -p "$dir"
    next_free_port
    PORT_OF[router]=$PORT LOG_OF[router]=$dir/router.log
    # The sidecar sample's shape, forwarding only, to Knot.
    cat >"$dir/router.json" <<EOF
{ "Dns": { "Listen": [ "127.0.0.1:$PORT" ],
    "Forwarding": { "Enabled": true, "Upstreams": [ "127.0.0.1:$UPSTREAM_PORT" ], "AllowedClients": [ "127.0.0.0/8" ],
                    "Cache": { "MaxEntries": $BENCH_CACHE } } },
  "Logging": { "LogLevel": { "Default": "Warning" } } }
EOF
    # shellcheck disable=SC2086 # ROUTER_ENV is a list of NAME=VALUE words
    env $ROUTER_ENV "$ROUTER_BIN" serve --config "$dir/router.json" >"${LOG_OF[router]}" 2>&1 &
    PID[router]=$!
    STARTED_PIDS+=("${PID[router]}")
    wait_answering router || die "Router did not start ($ROUTER_BIN serve --config $dir/router.json)$(keep_hint)"
}

start_dnsmasq() {
    local dir=$WORK/dnsmasq
    mkdir -p "$dir"
    next_free_port
    PORT_OF[dnsmasq]=$PORT LOG_OF[dnsmasq]=$dir/dnsmasq.log
    # As a user would run it as a forwarder: no resolv.conf, no hosts, one upstream, the same cache size as Router.
    dnsmasq --keep-in-foreground --log-facility=- --conf-file=/dev/null --no-resolv --no-hosts --user="$(id -un)" \
        --listen-address=127.0.0.1 --bind-interfaces --port="$PORT" --server="127.0.0.1#$UPSTREAM_PORT" \
        --cache-size="$BENCH_CACHE" --pid-file="$dir/dnsmasq.pid" >"${LOG_OF[dnsmasq]}" 2>&1 &
    PID[dnsmasq]=$!
    STARTED_PIDS+=("${PID[dnsmasq]}")
    wait_answering dnsmasq || die "dnsmasq did not start$(keep_hint)"
}

# --- measurement ------------------------------------------------------------------------------------------------

cpu_ticks() { # PID -> utime + stime (fields 14 and 15 of /proc/PID/stat), in clock ticks
    local stat rest
    stat=$(<"/proc/$1/stat") || return 1
    rest=${stat##*) }
    read -r -a f <<<"$rest"
    echo $((f[11] + f[12]))
}
rss_mb() { awk '$1 == "VmRSS:" { printf "%.0f", $2 / 1024; found = 1 } END { if (!found) print "?" }' "/proc/$1/status" 2>/dev/null || echo "?"; }

DNSPERF_ARGS=(-s 127.0.0.1 -c "$BENCH_CLIENTS")
[[ -z $BENCH_QPS ]] || DNSPERF_ARGS+=(-Q "$BENCH_QPS")

# SERVER PHASE SECONDS QUERYFILE: a bounded dnsperf run with RSS sampled every second; sets QPS CPU_US RSS_SAMPLES
measure() {
    local s=$1 phase=$2 secs=$3 queries=$4 out=$WORK/dnsperf-$1-$2.txt pid rc=0 t0 t1 completed
    t0=$(cpu_ticks "${PID[$s]}") || die "$s is gone"
    timeout $((secs + 30)) dnsperf "${DNSPERF_ARGS[@]}" -d "$queries" -p "${PORT_OF[$s]}" -l "$secs" >"$out" 2>&1 &
    pid=$!
    STARTED_PIDS+=("$pid")
    RSS_SAMPLES=""
    while kill -0 "$pid" 2>/dev/null; do
        RSS_SAMPLES+="$(rss_mb "${PID[$s]}") "
        sleep 1
    done
    wait "$pid" || rc=$?
    t1=$(cpu_ticks "${PID[$s]}") || die "$s exited during the $phase phase; see ${LOG_OF[$s]}"
    ((rc == 0)) || {
        tail -n 20 "$out" >&2
        die "dnsperf against $s failed (exit $rc)"
    }
    completed=$(awk '/Queries completed:/ { print $3 }' "$out")
    QPS=$(awk '/Queries per second:/ { printf "%.0f", $4 }' "$out")
    [[ -n $completed && $completed -gt 0 ]] || die "$s completed no queries in the $phase phase"
    CPU_US=$(awk -v d=$((t1 - t0)) -v hz="$CLK_TCK" -v n="$completed" 'BEGIN { printf "%.1f", d * 1e6 / hz / n }')
    printf '%-8s %-5s %8s q/s %8s us CPU/query  lost %s  RSS MB every 1 s: %s\n' "$s" "$phase" "$QPS" "$CPU_US" \
        "$(awk '/Queries lost:/ { print $3 }' "$out")" "$RSS_SAMPLES"
}

# Miss queries: unique names, more than dnsperf can send in the phase (it would start over and hit the cache).
MISS_NAMES=$((${BENCH_QPS:-40000} * (BENCH_SECONDS + 5)))
HIT_FILE=$WORK/hit-queries.txt
awk -v z="$ZONE" 'BEGIN { for (i = 0; i < 100; i++) print "hit" i "." z " A" }' >"$HIT_FILE"

declare -A R_IDLE R_MISS_QPS R_MISS_CPU R_MISS_PEAK R_MISS_LAST R_AFTER R_HIT_QPS R_HIT_CPU
for s in "${SERVERS[@]}"; do
    "start_$s"
    sleep "$BENCH_IDLE"
    R_IDLE[$s]=$(rss_mb "${PID[$s]}")
    log "sidecar-footprint: $s is up: PID ${PID[$s]}, 127.0.0.1:${PORT_OF[$s]}, idle RSS ${R_IDLE[$s]} MB"
    miss_file=$WORK/miss-$s.txt
    awk -v z="$ZONE" -v p="$s" -v n="$MISS_NAMES" 'BEGIN { for (i = 0; i < n; i++) printf "%s%d.%s A\n", p, i, z }' >"$miss_file"
    measure "$s" miss "$BENCH_SECONDS" "$miss_file"
    R_MISS_QPS[$s]=$QPS R_MISS_CPU[$s]=$CPU_US
    # shellcheck disable=SC2086
    R_MISS_PEAK[$s]=$(printf '%s\n' $RSS_SAMPLES | sort -n | tail -n 1)
    R_MISS_LAST[$s]=${RSS_SAMPLES% }
    R_MISS_LAST[$s]=${R_MISS_LAST[$s]##* }
    rm -f "$miss_file"
    # The hit phase: every name answered once first, so the measured run is all cache hits.
    while read -r name _; do dig_q "${PORT_OF[$s]}" "$name" >/dev/null; done <"$HIT_FILE"
    measure "$s" hit "$BENCH_HIT_SECONDS" "$HIT_FILE"
    R_HIT_QPS[$s]=$QPS R_HIT_CPU[$s]=$CPU_US
    sleep "$BENCH_IDLE"
    R_AFTER[$s]=$(rss_mb "${PID[$s]}")
    stop_pid "${PID[$s]}"
done

# --- summary ----------------------------------------------------------------------------------------------------

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0 || a == "?" || b == "?") print "n/a"; else printf "%.2f", a / b }'; }
mode="maximum rate"
[[ -z $BENCH_QPS ]] || mode="offered load $BENCH_QPS q/s"
echo
echo "Sidecar footprint: forwarding to Knot (127.0.0.1:$UPSTREAM_PORT), $mode, dnsperf -c $BENCH_CLIENTS, miss ${BENCH_SECONDS}s (unique names), hit ${BENCH_HIT_SECONDS}s (100 cached names), cache $BENCH_CACHE entries${ROUTER_ENV:+, Router env: $ROUTER_ENV}"
echo "machine: $(nproc) CPU(s), $(uname -r); $(dnsperf -h 2>&1 | sed -n 's/^Version /dnsperf /p')"
printf '%-8s %10s %12s %10s %12s %10s %12s %12s %10s\n' server "miss q/s" "miss us/q" "hit q/s" "hit us/q" \
    "idle MB" "load peak MB" "load last MB" "after MB"
for s in "${SERVERS[@]}"; do
    printf '%-8s %10s %12s %10s %12s %10s %12s %12s %10s\n' "$s" "${R_MISS_QPS[$s]}" "${R_MISS_CPU[$s]}" "${R_HIT_QPS[$s]}" \
        "${R_HIT_CPU[$s]}" "${R_IDLE[$s]}" "${R_MISS_PEAK[$s]}" "${R_MISS_LAST[$s]}" "${R_AFTER[$s]}"
done
if has_server router && has_server dnsmasq; then
    echo "Router/dnsmasq: miss q/s $(ratio "${R_MISS_QPS[router]}" "${R_MISS_QPS[dnsmasq]}")  miss CPU us/query $(ratio "${R_MISS_CPU[router]}" "${R_MISS_CPU[dnsmasq]}")  hit q/s $(ratio "${R_HIT_QPS[router]}" "${R_HIT_QPS[dnsmasq]}")  hit CPU us/query $(ratio "${R_HIT_CPU[router]}" "${R_HIT_CPU[dnsmasq]}")  RSS under load $(ratio "${R_MISS_PEAK[router]}" "${R_MISS_PEAK[dnsmasq]}")"
fi
if has_server router; then
    verdict() { if awk -v v="$1" -v g="$2" 'BEGIN { exit !(v != "?" && v <= g) }'; then echo PASS; else echo FAIL; fi; }
    printf '%s  Router RSS under load: peak %s MB, goal <= %d MB\n' "$(verdict "${R_MISS_PEAK[router]}" $GOAL_RSS_LOAD_MB)" "${R_MISS_PEAK[router]}" $GOAL_RSS_LOAD_MB
    printf '%s  Router RSS idle: %s MB at start, %s MB after the load, goal <= %d MB\n' \
        "$(verdict "$(printf '%s\n' "${R_IDLE[router]}" "${R_AFTER[router]}" | sort -n | tail -n 1)" $GOAL_RSS_IDLE_MB)" \
        "${R_IDLE[router]}" "${R_AFTER[router]}" $GOAL_RSS_IDLE_MB
    printf '%s  Router CPU per forwarded cache miss: %s us, goal <= %d us\n' "$(verdict "${R_MISS_CPU[router]}" $GOAL_MISS_CPU_US)" "${R_MISS_CPU[router]}" $GOAL_MISS_CPU_US
fi
echo "Informational: compare figures from the same run only; a busy machine inflates CPU per query."
