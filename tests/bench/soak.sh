#!/usr/bin/env bash
# Soak: does Router's memory stay flat in a long run? A traffic manager zone of a few profiles under a steady dnsperf
# load of mixed profile queries (some with EDNS Client Subnet), one endpoint flapping, and a configuration reload at a
# fixed period; every minute it prints RSS, the managed heap and the queries so far. At the end: the growth after the
# warm-up, and an informational PASS/FAIL against issue 12's goal (< 5 MB over an hour). A script, not a test: the
# exit code is non-zero only when something broke (build, start-up, wrong answers, dnsperf failure, Router died).
# Loopback (127.0.0.1) traffic only. See tests/bench/README.md.
#
# Environment:
#   SOAK_MINUTES        length of the run, in minutes                                   [60]
#   SOAK_QPS            offered load, queries/s (dnsperf -Q, split over the streams)     [30000]
#   SOAK_FLAP_SECONDS   the flapping endpoint's health URL switches 200 <-> 503 this often [7]
#   SOAK_RELOAD_SECONDS the configuration file is rewritten this often; 0 = no reloads   [10]
#   SOAK_WARMUP_MINUTES growth is measured from the end of this minute                  [5]
#   SOAK_GOAL_MB_HOUR   the goal for the growth after the warm-up, MB per hour           [5]
#   SOAK_CLIENTS        dnsperf -c per stream                                            [4]
#   ROUTER_BIN          Router executable; when set, no build is done      [build src/Router.Cli in Release]
#   SOAK_KEEP_TMP       1 = keep the temporary directory (config, logs, per-minute samples, dnsperf output)
set -euo pipefail

readonly FIRST_PORT=15901
readonly LAST_PORT=15999
readonly STARTUP_TIMEOUT_S=60
readonly BUILD_TIMEOUT_S=900
readonly INSTALL_TIMEOUT_S=600
readonly STOP_TIMEOUT_S=10
readonly TM_ZONE=tm.soak.test
readonly PROFILES=(perf0 perf1 perf2 perf3 prio weighted multi)

SOAK_MINUTES=${SOAK_MINUTES:-60}
SOAK_QPS=${SOAK_QPS:-30000}
SOAK_FLAP_SECONDS=${SOAK_FLAP_SECONDS:-7}
SOAK_RELOAD_SECONDS=${SOAK_RELOAD_SECONDS:-10}
SOAK_WARMUP_MINUTES=${SOAK_WARMUP_MINUTES:-5}
SOAK_GOAL_MB_HOUR=${SOAK_GOAL_MB_HOUR:-5}
SOAK_CLIENTS=${SOAK_CLIENTS:-4}
SOAK_KEEP_TMP=${SOAK_KEEP_TMP:-0}

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)

BENCH_NAME=soak
BENCH_KEEP_VAR=SOAK_KEEP_TMP
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$SCRIPT_DIR/lib.sh"
is_positive "$SOAK_MINUTES" || usage_error "SOAK_MINUTES must be a positive integer"
is_positive "$SOAK_QPS" || usage_error "SOAK_QPS must be a positive integer"
is_positive "$SOAK_FLAP_SECONDS" || usage_error "SOAK_FLAP_SECONDS must be a positive integer"
is_uint "$SOAK_RELOAD_SECONDS" || usage_error "SOAK_RELOAD_SECONDS must be a non-negative integer"
is_uint "$SOAK_WARMUP_MINUTES" || usage_error "SOAK_WARMUP_MINUTES must be a non-negative integer"
is_positive "$SOAK_GOAL_MB_HOUR" || usage_error "SOAK_GOAL_MB_HOUR must be a positive integer"
is_positive "$SOAK_CLIENTS" || usage_error "SOAK_CLIENTS must be a positive integer"
((SOAK_WARMUP_MINUTES < SOAK_MINUTES)) || usage_error "SOAK_WARMUP_MINUTES ($SOAK_WARMUP_MINUTES) must be less than SOAK_MINUTES ($SOAK_MINUTES)"

bench_workdir

for tool in dnsperf dig curl python3; do
    command -v "$tool" >/dev/null 2>&1 || case $tool in
        dnsperf) apt_install dnsperf ;;
        dig) apt_install bind9-dnsutils ;;
        *) apt_install "$tool" ;;
        esac
done

# --- build --------------------------------------------------------------------------------------------------------

bench_router_bin

# --- health URLs: 200 on 127.0.0.21-23; 127.0.0.29 switches between 200 and 503 every SOAK_FLAP_SECONDS ---------------

next_free_port
HEALTH_PORT=$PORT
python3 -c '
import http.server, sys, threading, time
port, flap = int(sys.argv[1]), float(sys.argv[2])
start = time.monotonic()
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        down = self.connection.getsockname()[0] == "127.0.0.29" and int((time.monotonic() - start) / flap) % 2 == 1
        self.send_response(503 if down else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
for host in ("127.0.0.21", "127.0.0.22", "127.0.0.23", "127.0.0.29"):
    server = http.server.ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
threading.Event().wait()
' "$HEALTH_PORT" "$SOAK_FLAP_SECONDS" >"$WORK/health-server.log" 2>&1 &
STARTED_PIDS+=("$!")

# --- the configuration ----------------------------------------------------------------------------------------------

next_free_port
DNS_PORT=$PORT
next_free_port
ADMIN_PORT=$PORT
CONFIG=$WORK/router.json

# Every reload changes the answers' TTL (30 <-> 31), so each one is a real edit that the traffic manager applies.
write_config() { # TTL FILE
    local ttl=$1 i
    {
        printf '{"Dns":{"Listen":["127.0.0.1:%s"],"Zones":[],"Forwarding":{"Enabled":false}},\n' "$DNS_PORT"
        printf '"TrafficManager":{"Zone":"%s","LatencyTable":[' "$TM_ZONE"
        printf '{"Network":"127.0.0.0/8","Latencies":{"eastus":10,"westeurope":80,"eastasia":190}}'
        for ((i = 0; i < 1000; i++)); do
            printf ',\n{"Network":"10.%d.%d.0/24","Latencies":{"eastus":%d,"westeurope":%d,"eastasia":%d}}' \
                $((i / 256)) $((i % 256)) $((i % 200)) $(((i * 7) % 200)) $(((i * 13) % 200))
        done
        printf '],\n"Profiles":['
        local monitor='"Monitor":{"Protocol":"Http","Port":'$HEALTH_PORT',"Path":"/health","IntervalSeconds":2,"TimeoutSeconds":1,"ToleratedFailures":1}'
        local tcp='"Monitor":{"Protocol":"Tcp","Port":'$HEALTH_PORT',"IntervalSeconds":2,"TimeoutSeconds":1,"ToleratedFailures":1}'
        # perf0's eastus endpoint is the flapping one: 127.0.0.1's answer moves to westeurope and back.
        for ((i = 0; i < 4; i++)); do
            local east=127.0.0.21 m=$monitor
            ((i == 0)) && east=127.0.0.29
            ((i == 3)) && m=$tcp
            printf '\n{"Name":"perf%d","RoutingMethod":"Performance","Ttl":%d,%s,"Endpoints":[' "$i" "$ttl" "$m"
            printf '{"Name":"eastus","Location":"eastus","Target":"%s"},' "$east"
            printf '{"Name":"westeurope","Location":"westeurope","Target":"127.0.0.22"},'
            printf '{"Name":"eastasia","Location":"eastasia","Target":"127.0.0.23"}]},'
        done
        printf '\n{"Name":"prio","RoutingMethod":"Priority","Ttl":%d,%s,"Endpoints":[' "$ttl" "$monitor"
        printf '{"Name":"a","Target":"127.0.0.29","Priority":1},{"Name":"b","Target":"127.0.0.22","Priority":2}]},'
        printf '\n{"Name":"weighted","RoutingMethod":"Weighted","Ttl":%d,%s,"Endpoints":[' "$ttl" "$monitor"
        printf '{"Name":"a","Target":"127.0.0.21","Weight":3},{"Name":"b","Target":"127.0.0.22","Weight":1}]},'
        printf '\n{"Name":"multi","RoutingMethod":"MultiValue","Ttl":%d,%s,"Endpoints":[' "$ttl" "$monitor"
        printf '{"Name":"a","Target":"127.0.0.21"},{"Name":"b","Target":"127.0.0.22"},{"Name":"c","Target":"127.0.0.29"}]}'
        printf ']},\n"Admin":{"Listen":"http://127.0.0.1:%s","StateFile":"%s"},\n' "$ADMIN_PORT" "$WORK/router-state.json"
        printf '"Logging":{"LogLevel":{"Default":"Information"}}}\n'
    } >"$2"
}
write_config 30 "$CONFIG"

# --- queries: the seven profile names and 10 % NXDOMAIN; three streams (no ECS, ECS in a table row, ECS in no row) ---

QUERYFILE=$WORK/queries.txt
awk -v z="$TM_ZONE" -v list="${PROFILES[*]}" 'BEGIN {
    n = split(list, p, " ")
    for (i = 0; i < 9000; i++) print p[i % n + 1] "." z " A"
    for (i = 1; i <= 1000; i++) print "nx" i "." z " A"
}' | shuf --random-source=<(yes soak-bench) >"$QUERYFILE"
# EDNS Client Subnet (option 8): family 1, source prefix 24, scope 0, three address octets.
STREAMS=("plain|" "ecs-row|8:000118000a0102" "ecs-norow|8:00011800c00002")
STREAM_SHARE=(2 1 1) # of 4

# --- start ----------------------------------------------------------------------------------------------------------

ROUTER_LOG=$WORK/router.log
"$ROUTER_BIN" serve --config "$CONFIG" >"$ROUTER_LOG" 2>&1 &
ROUTER_PID=$!
STARTED_PIDS+=("$ROUTER_PID")

dig_q() { dig @127.0.0.1 -p "$DNS_PORT" +norec +time=1 +tries=2 "$@" 2>&1 || true; }
deadline=$((SECONDS + STARTUP_TIMEOUT_S))
until [[ $(dig_q "perf1.$TM_ZONE" A +short) == 127.0.0.21 ]]; do
    kill -0 "$ROUTER_PID" 2>/dev/null || { tail -n 30 "$ROUTER_LOG" >&2; die "Router exited during start-up$(keep_hint)"; }
    ((SECONDS < deadline)) || { tail -n 30 "$ROUTER_LOG" >&2; die "Router did not answer perf1.$TM_ZONE A with 127.0.0.21 within ${STARTUP_TIMEOUT_S}s$(keep_hint)"; }
    sleep 0.2
done
# Answers vary by client subnet: 10.1.2.0/24 is closest to westeurope.
got=$(dig_q "perf1.$TM_ZONE" A +short +subnet=10.1.2.0/24)
[[ $got == 127.0.0.22 ]] || die "perf1.$TM_ZONE A from ECS 10.1.2.0/24 answered '$got', expected 127.0.0.22 (westeurope)"
got=$(dig_q "nx1.$TM_ZONE" A +noall +comments | sed -n 's/.*status: \([A-Z]*\).*/\1/p')
[[ $got == NXDOMAIN ]] || die "nx1.$TM_ZONE A answered $got, expected NXDOMAIN"
deadline=$((SECONDS + 30))
until curl -sf -m 10 "http://127.0.0.1:$ADMIN_PORT/metrics" >/dev/null; do
    ((SECONDS < deadline)) || die "GET /metrics on the admin API (127.0.0.1:$ADMIN_PORT) failed for 30 s$(keep_hint)"
    sleep 1
done
log "soak: Router PID $ROUTER_PID answers on 127.0.0.1:$DNS_PORT (admin $ADMIN_PORT, health URLs :$HEALTH_PORT); log $ROUTER_LOG"

# --- reloads ----------------------------------------------------------------------------------------------------------

if ((SOAK_RELOAD_SECONDS > 0)); then
    (
        ttl=30
        while sleep "$SOAK_RELOAD_SECONDS"; do
            ttl=$((61 - ttl))
            write_config "$ttl" "$CONFIG.tmp" && mv -f "$CONFIG.tmp" "$CONFIG"
        done
    ) &
    STARTED_PIDS+=("$!")
fi

# --- the run: one minute of dnsperf per stream at a time, then a sample --------------------------------------------------

metric_sum() { # FILE FAMILY [LABEL-REGEX]: the sum of a family's series (optionally only those whose labels match)
    awk -v f="$2" -v re="${3:-}" '$1 ~ "^" f "({|$)" && (re == "" || $1 ~ re) { s += $NF; n++ } END { if (n) printf "%.0f", s; else printf "?" }' "$1"
}
status_kib() { awk -v k="$1:" '$1 == k { print $2; found = 1 } END { if (!found) print "?" }' "/proc/$ROUTER_PID/status" 2>/dev/null || echo "?"; }
mib() { [[ $1 == "?" ]] && echo "?" || awk -v b="$1" -v d="$2" 'BEGIN { printf "%.1f", b / d }'; }

SAMPLES=$WORK/samples.tsv
TOTAL_LOST=0
TOTAL_BAD=0
log "soak: $SOAK_MINUTES min at $SOAK_QPS q/s (streams: ${STREAMS[*]%%|*}), flap every ${SOAK_FLAP_SECONDS}s, reload every ${SOAK_RELOAD_SECONDS}s (0 = none)"
printf '%6s %8s %8s %8s %8s %8s %8s %12s %6s %6s %7s\n' minute rss_MiB anon_MiB heap_MiB gen2_MiB gc_MiB q/s queries lost bad_rc reloads
printf 'minute\trss_kib\tanon_kib\theap_bytes\tgen2_bytes\tcommitted_bytes\tqps\tqueries\tlost\tbad_rcode\treloads\n' >"$SAMPLES"
for ((m = 1; m <= SOAK_MINUTES; m++)); do
    pids=()
    for i in "${!STREAMS[@]}"; do
        ecs=${STREAMS[$i]#*|}
        args=(-s 127.0.0.1 -p "$DNS_PORT" -d "$QUERYFILE" -l 60 -c "$SOAK_CLIENTS" -Q $((SOAK_QPS * STREAM_SHARE[i] / 4)))
        [[ -z $ecs ]] || args+=(-E "$ecs")
        dnsperf "${args[@]}" >"$WORK/dnsperf-$i.out" 2>&1 &
        pids+=("$!")
        STARTED_PIDS+=("$!")
    done
    failed=0
    for p in "${pids[@]}"; do wait "$p" || failed=1; done
    kill -0 "$ROUTER_PID" 2>/dev/null || { tail -n 30 "$ROUTER_LOG" >&2; die "Router died in minute $m$(keep_hint)"; }
    ((failed == 0)) || { cat "$WORK"/dnsperf-*.out >&2; die "dnsperf failed in minute $m"; }
    qps=0 lost=0 bad=0
    for i in "${!STREAMS[@]}"; do
        read -r q l b < <(awk '/Queries per second:/ { q = $4 } /Queries lost:/ { l = $3 }
            /Response codes:/ { for (i = 3; i <= NF; i += 2) { c = $i; sub(/,$/, "", c); if (c != "NOERROR" && c != "NXDOMAIN") b += $(i + 1) } }
            END { printf "%.0f %d %d\n", q, l, b }' "$WORK/dnsperf-$i.out")
        qps=$((qps + q)) lost=$((lost + l)) bad=$((bad + b))
    done
    TOTAL_LOST=$((TOTAL_LOST + lost)) TOTAL_BAD=$((TOTAL_BAD + bad))
    curl -sf -m 10 "http://127.0.0.1:$ADMIN_PORT/metrics" >"$WORK/metrics.txt" || : >"$WORK/metrics.txt"
    rss=$(status_kib VmRSS)
    anon=$(status_kib RssAnon)
    heap=$(metric_sum "$WORK/metrics.txt" dotnet_gc_last_collection_heap_size_bytes)
    gen2=$(metric_sum "$WORK/metrics.txt" dotnet_gc_last_collection_heap_size_bytes 'gen2')
    committed=$(metric_sum "$WORK/metrics.txt" dotnet_gc_last_collection_memory_committed_size_bytes)
    queries=$(metric_sum "$WORK/metrics.txt" router_dns_queries_total)
    reloads=$(grep -c 'ConfigurationWatcher\[4000\]' "$ROUTER_LOG" || true) # event 4000: an edit applied
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$m" "$rss" "$anon" "$heap" "$gen2" "$committed" "$qps" "$queries" "$lost" "$bad" "$reloads" >>"$SAMPLES"
    printf '%6d %8s %8s %8s %8s %8s %8s %12s %6s %6s %7s\n' "$m" "$(mib "$rss" 1024)" "$(mib "$anon" 1024)" "$(mib "$heap" 1048576)" \
        "$(mib "$gen2" 1048576)" "$(mib "$committed" 1048576)" "$qps" "$queries" "$lost" "$bad" "$reloads"
done

# --- summary ------------------------------------------------------------------------------------------------------------

# Growth from the end of the warm-up to the end of the run; per hour, the measured growth when the run after the warm-up
# lasts an hour or more, else the least-squares slope of the per-minute RSS (an end-to-end difference of a short run
# would scale up a few MB of GC and allocator noise).
awk -F'\t' -v w="$SOAK_WARMUP_MINUTES" -v goal="$SOAK_GOAL_MB_HOUR" -v lost="$TOTAL_LOST" -v bad="$TOTAL_BAD" '
    NR == 1 { next }
    { rss[$1] = $2 / 1024; anon[$1] = $3 / 1024; heap[$1] = $4 / 1048576; last = $1 }
    END {
        base = (w > 0) ? w : 1
        minutes = last - base
        printf "\nqueries lost: %d, responses other than NOERROR/NXDOMAIN: %d\n", lost, bad
        if (minutes <= 0) { print "too short to measure growth after the warm-up"; exit }
        lo = hi = rss[base]; n = sx = sy = sxx = sxy = 0
        for (m = base; m <= last; m++) {
            if (rss[m] < lo) lo = rss[m]
            if (rss[m] > hi) hi = rss[m]
            n++; sx += m; sy += rss[m]; sxx += m * m; sxy += m * rss[m]
        }
        slope = (n * sxy - sx * sy) / (n * sxx - sx * sx) * 60
        printf "after minute %d (minutes %d-%d): RSS %.1f -> %.1f MiB (%+.1f; between %.1f and %.1f), RssAnon %+.1f MiB, managed heap %+.1f MiB\n",
            base, base, last, rss[base], rss[last], rss[last] - rss[base], lo, hi, anon[last] - anon[base], heap[last] - heap[base]
        printf "RSS trend (least-squares slope over %d samples): %+.1f MiB/hour\n", n, slope
        if (minutes >= 60) {
            perhour = (rss[last] - rss[base]) * 60 / minutes
            how = sprintf("measured over %d minutes", minutes)
        } else {
            perhour = slope
            how = sprintf("extrapolated from %d minutes by the slope", minutes)
        }
        printf "%s: RSS growth after the warm-up %+.1f MiB/hour, %s (goal < %d MB/hour)\n", (perhour < goal ? "PASS" : "FAIL"), perhour, how, goal
    }' "$SAMPLES"
