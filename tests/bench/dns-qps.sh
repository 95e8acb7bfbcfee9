#!/usr/bin/env bash
# DNS queries/s and CPU per query: Router against Knot DNS, ARSoft.Tools.Net's DnsServer (and optionally PowerDNS),
# interleaved A B A B, following the method in tests/bench/README.md. A script, not a test: the PASS/FAIL lines at the end
# are informational, and the exit code is non-zero only when something broke (build, start-up, wrong answers,
# dnsperf failure). Loopback (127.0.0.1) traffic only. See tests/bench/README.md.
#
# Environment:
#   BENCH_SECONDS   dnsperf -l per measured run                       [10]
#   BENCH_ROUNDS    interleaved rounds; medians are taken over them    [3]
#   BENCH_SERVERS   comma list of router, router-tm, router-cluster, knot, arsoft, pdns
#                                                                      [router,router-tm,knot,arsoft (+pdns if installed)]
#                   router-tm: the same Router with a TrafficManager section, asked for a Performance profile name
#                   (probed endpoints, a 1,000-row latency table) instead of the static zone's names
#                   router-cluster: router-tm plus a Cluster section, on a one-member etcd this script starts in its temp
#                   dir (ports of its own range); the summary prints Router-Cluster/Router-TM (issue 11: >= 0.95)
#                   arsoft: tests/bench/ArsoftServer, ARSoft.Tools.Net's DnsServer serving the same zone file
#   BENCH_WITH_PDNS 1 = install pdns-server + pdns-backend-bind if needed and include PowerDNS
#   BENCH_QPS       dnsperf -Q: fixed offered load (for latency/CPU at equal load) instead of maximum rate
#   BENCH_CLIENTS   dnsperf -c                                         [8]
#   BENCH_WARMUP    seconds of unrecorded load per server before round 1 (JIT, caches) [2]
#   ROUTER_BIN      Router executable; when set, no build is done     [build src/Router.Cli in Release]
#   ARSOFT_BIN      ArsoftServer executable; when set, no build is done [build tests/bench/ArsoftServer in Release]
#   BENCH_RESULTS   also append one tab-separated line per measured run to this file
#   BENCH_KEEP_TMP  1 = keep the temporary directory (configs, logs, dnsperf output) for inspection
set -euo pipefail

readonly ZONE=example.test
readonly TTL=300
readonly FIRST_PORT=15301
readonly LAST_PORT=15399
readonly STARTUP_TIMEOUT_S=60
readonly BUILD_TIMEOUT_S=900
readonly INSTALL_TIMEOUT_S=600
readonly STOP_TIMEOUT_S=10

BENCH_SECONDS=${BENCH_SECONDS:-10}
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
BENCH_CLIENTS=${BENCH_CLIENTS:-8}
BENCH_WARMUP=${BENCH_WARMUP:-2}
BENCH_QPS=${BENCH_QPS:-}
BENCH_WITH_PDNS=${BENCH_WITH_PDNS:-0}
BENCH_RESULTS=${BENCH_RESULTS:-}
BENCH_KEEP_TMP=${BENCH_KEEP_TMP:-0}

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)

BENCH_NAME=dns-qps
BENCH_KEEP_VAR=BENCH_KEEP_TMP
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$SCRIPT_DIR/lib.sh"
is_positive "$BENCH_SECONDS" || usage_error "BENCH_SECONDS must be a positive integer"
is_positive "$BENCH_ROUNDS" || usage_error "BENCH_ROUNDS must be a positive integer"
is_positive "$BENCH_CLIENTS" || usage_error "BENCH_CLIENTS must be a positive integer"
is_uint "$BENCH_WARMUP" || usage_error "BENCH_WARMUP must be a non-negative integer"
[[ -z $BENCH_QPS ]] || is_positive "$BENCH_QPS" || usage_error "BENCH_QPS must be a positive integer"

# --- processes and temp dir, cleaned up on any exit -----------------------------------------------------------

bench_workdir

# --- which servers ----------------------------------------------------------------------------------------------

pdns_installed() {
    command -v pdns_server >/dev/null 2>&1 &&
        dpkg-query -W -f='${Status}' pdns-backend-bind 2>/dev/null | grep -q 'install ok installed'
}

if [[ -n ${BENCH_SERVERS:-} ]]; then
    IFS=', ' read -r -a SERVERS <<<"$BENCH_SERVERS"
else
    SERVERS=(router router-tm knot arsoft)
    if [[ $BENCH_WITH_PDNS == 1 ]] || pdns_installed; then SERVERS+=(pdns); fi
fi
((${#SERVERS[@]} > 0)) || usage_error "BENCH_SERVERS is empty"
for i in "${!SERVERS[@]}"; do
    case ${SERVERS[$i]} in
    router | router-tm | router-cluster | knot | arsoft | pdns) ;;
    powerdns) SERVERS[i]=pdns ;;
    *) usage_error "unknown server '${SERVERS[$i]}' in BENCH_SERVERS (use router, router-tm, router-cluster, knot, arsoft, pdns)" ;;
    esac
done
has_server() {
    local s
    for s in "${SERVERS[@]}"; do [[ $s == "$1" ]] && return 0; done
    return 1
}

# --- tools --------------------------------------------------------------------------------------------------------


missing=()
command -v dnsperf >/dev/null 2>&1 || missing+=(dnsperf)
command -v dig >/dev/null 2>&1 || missing+=(bind9-dnsutils)
command -v kdig >/dev/null 2>&1 || missing+=(knot-dnsutils)
command -v knotd >/dev/null 2>&1 || missing+=(knot)
if has_server pdns && ! pdns_installed; then missing+=(pdns-server pdns-backend-bind); fi
if has_server router-cluster && ! command -v etcd >/dev/null 2>&1; then missing+=(etcd-server); fi
((${#missing[@]} == 0)) || apt_install "${missing[@]}"
for tool in dnsperf dig getconf timeout shuf awk; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
CLK_TCK=$(getconf CLK_TCK)

# --- ports --------------------------------------------------------------------------------------------------------


# --- zone data: one list of records, written out for every server -------------------------------------------------

# name type value (value may contain spaces)
RECORDS=(
    "@ SOA ns1.$ZONE. hostmaster.$ZONE. 2026010101 3600 600 86400 300"
    "@ NS ns1.$ZONE."
    "ns1 A 192.0.2.53"
    "www A 192.0.2.1"
    "www AAAA 2001:db8::1"
    "api AAAA 2001:db8::2"
    "multi A 192.0.2.11"
    "multi A 192.0.2.12"
    "multi A 192.0.2.13"
)

ZONEFILE=$WORK/$ZONE.zone
{
    printf '%s %s.\n%s %s\n' "\$ORIGIN" "$ZONE" "\$TTL" "$TTL"
    for r in "${RECORDS[@]}"; do
        read -r name type value <<<"$r"
        printf '%-8s IN %-5s %s\n' "$name" "$type" "$value"
    done
} >"$ZONEFILE"

# Query file: 10,000 lines, 30 % www A, 30 % multi A (3 records), 30 % api AAAA, 10 % NXDOMAIN;
# shuffled with a fixed random source, so the order is the same on every run.
QUERYFILE=$WORK/queries.txt
awk -v z="$ZONE" 'BEGIN {
    for (i = 0; i < 3000; i++) { print "www." z " A"; print "multi." z " A"; print "api." z " AAAA" }
    for (i = 1; i <= 1000; i++) print "nx" i "." z " A"
}' | shuf --random-source=<(yes dns-qps-bench) >"$QUERYFILE"
[[ $(wc -l <"$QUERYFILE") == 10000 ]] || die "query file has the wrong length"

# router-tm: the traffic manager zone tm.$ZONE with a Performance profile 'perf' over three endpoints whose TCP
# probes succeed (a listener on 127.0.0.11-13), a latency table of 1,000 /24 rows plus 127.0.0.0/8 (so every
# answer is a longest-prefix lookup), and queries: 90 % the profile name, 10 % NXDOMAIN in the zone.
readonly TM_ZONE=tm.$ZONE
TM_QUERYFILE=$WORK/tm-queries.txt
awk -v z="$TM_ZONE" 'BEGIN { for (i = 0; i < 9000; i++) print "perf." z " A"; for (i = 1; i <= 1000; i++) print "nx" i "." z " A" }' |
    shuf --random-source=<(yes dns-qps-bench) >"$TM_QUERYFILE"

# --- server start-up ----------------------------------------------------------------------------------------------

declare -A PID PORT_OF LOG_OF

dig_q() { # PORT NAME TYPE [extra dig options]: one bounded query, no EDNS (like dnsperf's queries)
    local port=$1 name=$2 type=$3
    shift 3
    dig @127.0.0.1 -p "$port" +norec +noedns +nocookie +time=1 +tries=2 "$@" "$name" "$type" 2>&1 || true
}

wait_answering() { # SERVER: until it answers www A with the right address, or it exits, or the time is up
    local s=$1 deadline out
    deadline=$((SECONDS + STARTUP_TIMEOUT_S))
    while ((SECONDS < deadline)); do
        if ! kill -0 "${PID[$s]}" 2>/dev/null; then
            log "dns-qps: $s exited during start-up; last lines of ${LOG_OF[$s]}:"
            tail -n 30 "${LOG_OF[$s]}" >&2 || true
            return 1
        fi
        out=$(dig_q "${PORT_OF[$s]}" "www.$ZONE" A +short)
        if [[ $out == 192.0.2.1 ]]; then return 0; fi
        sleep 0.2
    done
    log "dns-qps: $s (PID ${PID[$s]}) did not answer www.$ZONE A on 127.0.0.1:${PORT_OF[$s]} within ${STARTUP_TIMEOUT_S}s; last lines of ${LOG_OF[$s]}:"
    tail -n 30 "${LOG_OF[$s]}" >&2 || true
    return 1
}

start_knot() {
    local dir=$WORK/knot
    mkdir -p "$dir/run" "$dir/db"
    next_free_port
    PORT_OF[knot]=$PORT
    LOG_OF[knot]=$dir/knotd.log
    # As small as the method says; only a log target is added, so errors land in our log file.
    cat >"$dir/knot.conf" <<EOF
server:
    listen: 127.0.0.1@$PORT
    rundir: "$dir/run"
    udp-workers: 2

log:
  - target: stderr
    any: warning

database:
    storage: "$dir/db"

zone:
  - domain: $ZONE
    file: "$ZONEFILE"
EOF
    knotd -c "$dir/knot.conf" >"${LOG_OF[knot]}" 2>&1 &
    PID[knot]=$!
    STARTED_PIDS+=("${PID[knot]}")
    wait_answering knot || die "Knot DNS did not start (config $dir/knot.conf)$(keep_hint)"
}

start_pdns() {
    local dir=$WORK/pdns
    mkdir -p "$dir"
    next_free_port
    PORT_OF[pdns]=$PORT
    LOG_OF[pdns]=$dir/pdns.log
    cat >"$dir/named.conf" <<EOF
zone "$ZONE" { type master; file "$ZONEFILE"; };
EOF
    # Bind backend, defaults otherwise (packet cache on), as in the anchors table.
    cat >"$dir/pdns.conf" <<EOF
launch=bind
bind-config=$dir/named.conf
local-address=127.0.0.1:$PORT
socket-dir=$dir
daemon=no
guardian=no
disable-syslog=yes
webserver=no
api=no
loglevel=4
EOF
    pdns_server --config-dir="$dir" >"${LOG_OF[pdns]}" 2>&1 &
    PID[pdns]=$!
    STARTED_PIDS+=("${PID[pdns]}")
    wait_answering pdns || die "PowerDNS did not start (config $dir/pdns.conf)$(keep_hint)"
}

router_config_json() { # PORT [PROBE_PORT: add the TrafficManager section [ETCD_URL ADMIN_PORT: and a Cluster section]]
    local first=1 name type value i
    printf '{"Dns":{"Listen":["127.0.0.1:%s"],"Zones":[{"Name":"%s","Ttl":%s,"Records":[' "$1" "$ZONE" "$TTL"
    for r in "${RECORDS[@]}"; do
        read -r name type value <<<"$r"
        ((first)) || printf ','
        first=0
        printf '\n{"Name":"%s","Type":"%s","Value":"%s"}' "$name" "$type" "$value"
    done
    printf ']}],"Forwarding":{"Enabled":false}}'
    if [[ -n ${2:-} ]]; then
        printf ',\n"TrafficManager":{"Zone":"%s","LatencyTable":[' "$TM_ZONE"
        printf '{"Network":"127.0.0.0/8","Latencies":{"eastus":10,"westeurope":80,"eastasia":190}}'
        for ((i = 0; i < 1000; i++)); do
            printf ',\n{"Network":"10.%d.%d.0/24","Latencies":{"eastus":%d,"westeurope":%d,"eastasia":%d}}' \
                $((i / 256)) $((i % 256)) $((i % 200)) $(((i * 7) % 200)) $(((i * 13) % 200))
        done
        printf '],\n"Profiles":[{"Name":"perf","RoutingMethod":"Performance","Ttl":30,'
        printf '"Monitor":{"Protocol":"Tcp","Port":%s,"IntervalSeconds":10,"TimeoutSeconds":5,"ToleratedFailures":3},' "$2"
        printf '"Endpoints":[{"Name":"eastus","Location":"eastus","Target":"127.0.0.11"},'
        printf '{"Name":"westeurope","Location":"westeurope","Target":"127.0.0.12"},'
        printf '{"Name":"eastasia","Location":"eastasia","Target":"127.0.0.13"}]}]}'
    fi
    if [[ -n ${3:-} ]]; then
        printf ',\n"Admin":{"Listen":"http://127.0.0.1:%s","StateFile":"%s"}' "$4" "$WORK/router-cluster/router-state.json"
        printf ',\n"Cluster":{"Endpoints":["%s"],"Prefix":"/dns-qps/","InstanceId":"bench-1","Quorum":"Majority","LeaseSeconds":10}' "$3"
    fi
    printf '}\n'
}

start_probe_listener() { # sets PROBE_PORT: a TCP listener on 127.0.0.11-13 that accepts and closes (the TCP probes' target)
    next_free_port
    PROBE_PORT=$PORT
    python3 -c '
import selectors, socket, sys
port = int(sys.argv[1])
sel = selectors.DefaultSelector()
for host in ("127.0.0.11", "127.0.0.12", "127.0.0.13"):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((host, port)); s.listen(64)
    sel.register(s, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        conn, _ = key.fileobj.accept(); conn.close()
' "$PROBE_PORT" >"$WORK/probe-listener.log" 2>&1 &
    STARTED_PIDS+=("$!")
}

dotnet_build() { # PROJECT WHAT HINT: dotnet build -c Release PROJECT, or die with the errors and HINT
    local project=$1 what=$2 hint=$3 pid rc=0
    log "dns-qps: building $what (Release): dotnet build -c Release $project"
    # --disable-build-servers: leave no MSBuild/compiler server processes behind.
    (cd "$REPO_ROOT" && exec timeout "$BUILD_TIMEOUT_S" env DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 \
        dotnet build -c Release --disable-build-servers "$project") >"$WORK/build.log" 2>&1 &
    pid=$!
    STARTED_PIDS+=("$pid")
    wait "$pid" || rc=$?
    if ((rc != 0)); then
        ((rc != 124)) || log "dns-qps: the build took longer than ${BUILD_TIMEOUT_S}s"
        grep -E 'error [A-Z]+[0-9]+' "$WORK/build.log" | sort -u | tail -n 20 >&2 || tail -n 20 "$WORK/build.log" >&2
        die "$what build failed (dotnet build -c Release $project); cannot benchmark $what. $hint"
    fi
}

build_router() {
    dotnet_build src/Router.Cli/Router.Cli.csproj Router \
        "Set BENCH_SERVERS=knot to run the Knot half alone, or ROUTER_BIN to use a built binary."
    ROUTER_BIN=$REPO_ROOT/src/Router.Cli/bin/Release/net10.0/router
}

build_arsoft() {
    dotnet_build tests/bench/ArsoftServer/ArsoftServer.csproj ArsoftServer \
        "Leave arsoft out of BENCH_SERVERS, or set ARSOFT_BIN to use a built binary."
    ARSOFT_BIN=$REPO_ROOT/tests/bench/ArsoftServer/bin/Release/net10.0/ArsoftServer
}

start_arsoft() { # ARSoft.Tools.Net's DnsServer (tests/bench/ArsoftServer) on the same zone file as Knot and PowerDNS
    local dir=$WORK/arsoft
    mkdir -p "$dir"
    [[ -x $ARSOFT_BIN ]] || die "ArsoftServer executable not found or not executable: $ARSOFT_BIN"
    next_free_port
    PORT_OF[arsoft]=$PORT
    LOG_OF[arsoft]=$dir/arsoft.log
    "$ARSOFT_BIN" "127.0.0.1:$PORT" "$ZONE" "$ZONEFILE" >"${LOG_OF[arsoft]}" 2>&1 &
    PID[arsoft]=$!
    STARTED_PIDS+=("${PID[arsoft]}")
    wait_answering arsoft || die "ArsoftServer did not start or does not answer ($ARSOFT_BIN 127.0.0.1:$PORT $ZONE $ZONEFILE)$(keep_hint)."
}

start_etcd() { # sets ETCD_URL: a one-member etcd for router-cluster, in the temp dir, on two ports of the script's range
    local dir=$WORK/etcd client peer
    mkdir -p "$dir"
    next_free_port
    client=$PORT
    next_free_port
    peer=$PORT
    ETCD_URL=http://127.0.0.1:$client
    etcd --name bench --data-dir "$dir/data" --listen-client-urls "$ETCD_URL" --advertise-client-urls "$ETCD_URL" \
        --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
        --initial-cluster "bench=http://127.0.0.1:$peer" --initial-cluster-state new --logger zap --log-outputs stderr \
        >"$dir/etcd.log" 2>&1 &
    STARTED_PIDS+=("$!")
    local deadline=$((SECONDS + STARTUP_TIMEOUT_S))
    until ETCDCTL_API=3 etcdctl --endpoints "$ETCD_URL" --command-timeout=2s endpoint health >/dev/null 2>&1; do
        ((SECONDS < deadline)) || die "etcd did not become healthy on $ETCD_URL within ${STARTUP_TIMEOUT_S}s; see $dir/etcd.log$(keep_hint)"
        sleep 0.2
    done
}

start_router() { # SERVER: router, router-tm (with the TrafficManager section) or router-cluster (and a Cluster section)
    local s=$1 dir=$WORK/$1
    mkdir -p "$dir"
    [[ -x $ROUTER_BIN ]] || die "Router executable not found or not executable: $ROUTER_BIN"
    next_free_port
    PORT_OF[$s]=$PORT
    LOG_OF[$s]=$dir/router.log
    if [[ $s == router-tm ]]; then
        start_probe_listener # takes a port of its own
        router_config_json "${PORT_OF[$s]}" "$PROBE_PORT" >"$dir/router.json"
    elif [[ $s == router-cluster ]]; then
        start_probe_listener
        start_etcd
        next_free_port
        ADMIN_PORT=$PORT
        router_config_json "${PORT_OF[$s]}" "$PROBE_PORT" "$ETCD_URL" "$ADMIN_PORT" >"$dir/router.json"
    else
        router_config_json "${PORT_OF[$s]}" >"$dir/router.json"
    fi
    "$ROUTER_BIN" serve --config "$dir/router.json" >"${LOG_OF[$s]}" 2>&1 &
    PID[$s]=$!
    STARTED_PIDS+=("${PID[$s]}")
    wait_answering "$s" || die "Router did not start or does not answer ($ROUTER_BIN serve --config $dir/router.json); it cannot be benchmarked yet$(keep_hint)."
}

# Build first, so a broken build fails before anything is started.
if { has_server router || has_server router-tm || has_server router-cluster; } && [[ -z ${ROUTER_BIN:-} ]]; then build_router; fi
if has_server arsoft && [[ -z ${ARSOFT_BIN:-} ]]; then build_arsoft; fi

for s in "${SERVERS[@]}"; do
    case $s in
    knot) start_knot ;;
    arsoft) start_arsoft ;;
    pdns) start_pdns ;;
    router | router-tm | router-cluster) start_router "$s" ;;
    esac
    log "dns-qps: $s is up: PID ${PID[$s]}, 127.0.0.1:${PORT_OF[$s]}, log ${LOG_OF[$s]}"
done

# --- answers must be right (and the same on every server) before any benchmark ---------------------------------------

answer_signature() { # PORT NAME TYPE -> "status=… aa=… answer=… [authority=…]" (TTLs ignored)
    local out status aa answer authority
    out=$(dig_q "$1" "$2" "$3" +noall +comments +answer +authority)
    status=$(sed -n 's/.*status: \([A-Z]*\).*/\1/p' <<<"$out" | head -n 1)
    if grep -Eq '^;; flags:[^;]* aa[ ;]' <<<"$out"; then aa=1; else aa=0; fi
    answer=$(awk '/^;; ANSWER SECTION:/ { s = 1; next } /^;; / { s = 0 } s && !/^;/ && NF >= 5 {
        v = $5; for (i = 6; i <= NF; i++) v = v " " $i; print tolower($1) " " $4 " " v }' <<<"$out" | sort | paste -sd ';' -)
    authority=$(awk '/^;; AUTHORITY SECTION:/ { s = 1; next } /^;; / { s = 0 } s && !/^;/ && NF >= 5 { print $4 }' <<<"$out" |
        sort -u | paste -sd ',' -)
    if [[ -n $answer ]]; then
        printf 'status=%s aa=%s answer=%s' "${status:-none}" "$aa" "$answer"
    else # negative answers: the SOA in the authority section is required, other authority records are not compared
        [[ ,$authority, == *,SOA,* ]] && authority=SOA || authority="no-SOA(${authority:-empty})"
        printf 'status=%s aa=%s answer= authority=%s' "${status:-none}" "$aa" "$authority"
    fi
}

CHECKS=(
    "www.$ZONE A|status=NOERROR aa=1 answer=www.$ZONE. A 192.0.2.1"
    "api.$ZONE AAAA|status=NOERROR aa=1 answer=api.$ZONE. AAAA 2001:db8::2"
    "multi.$ZONE A|status=NOERROR aa=1 answer=multi.$ZONE. A 192.0.2.11;multi.$ZONE. A 192.0.2.12;multi.$ZONE. A 192.0.2.13"
    "nx1.$ZONE A|status=NXDOMAIN aa=1 answer= authority=SOA"
)
bad=0
for c in "${CHECKS[@]}"; do
    q=${c%%|*}
    want=${c#*|}
    read -r qname qtype <<<"$q"
    for s in "${SERVERS[@]}"; do
        got=$(answer_signature "${PORT_OF[$s]}" "$qname" "$qtype")
        if [[ $got != "$want" ]]; then
            log "dns-qps: WRONG ANSWER from $s for $q"
            log "    want: $want"
            log "    got:  $got"
            bad=1
        fi
    done
done
for s in router-tm router-cluster; do
    has_server "$s" || continue
    # Probes must have found the endpoints online: the answer for 127.0.0.1 is eastus, the lowest latency.
    deadline=$((SECONDS + 30))
    until [[ $(dig_q "${PORT_OF[$s]}" "perf.$TM_ZONE" A +short) == 127.0.0.11 ]] &&
        grep -q 'eastus.*Online' "${LOG_OF[$s]}" 2>/dev/null; do
        ((SECONDS < deadline)) || { log "dns-qps: $s never reported eastus Online answering perf.$TM_ZONE 127.0.0.11; log ${LOG_OF[$s]}"; bad=1; break; }
        sleep 0.2
    done
    got=$(answer_signature "${PORT_OF[$s]}" "nx1.$TM_ZONE" A)
    [[ $got == "status=NXDOMAIN aa=1 answer= authority=SOA" ]] || { log "dns-qps: WRONG ANSWER from $s for nx1.$TM_ZONE A: $got"; bad=1; }
done
if has_server router-cluster; then
    # Measured clustered, not on its own view: connected to etcd, and eastus Online as agreed.
    deadline=$((SECONDS + 30))
    until curl -sf -m 2 "http://127.0.0.1:$ADMIN_PORT/api/cluster" 2>/dev/null | grep -q '"state": *"Connected"'; do
        ((SECONDS < deadline)) || { log "dns-qps: router-cluster is not Connected to etcd ($ETCD_URL) within 30 s; log ${LOG_OF[router-cluster]}"; bad=1; break; }
        sleep 0.2
    done
fi
((bad == 0)) || die "answers differ from the zone (or between servers); not benchmarking"
log "dns-qps: answers checked on ${SERVERS[*]}: www A, api AAAA, multi A (3), nx1 NXDOMAIN + SOA$({ has_server router-tm || has_server router-cluster; } && echo '; router-tm/router-cluster: perf A, NXDOMAIN')$(has_server router-cluster && echo '; router-cluster: Connected to etcd')"

# --- measurement ------------------------------------------------------------------------------------------------

cpu_ticks() { # PID -> utime + stime (fields 14 and 15 of /proc/PID/stat), in clock ticks
    local stat rest
    stat=$(<"/proc/$1/stat") || return 1
    rest=${stat##*) } # drop "pid (comm) ", comm may contain spaces; rest starts at field 3
    read -r -a f <<<"$rest"
    echo $((f[11] + f[12]))
}

DNSPERF_ARGS=(-s 127.0.0.1 -c "$BENCH_CLIENTS")
[[ -z $BENCH_QPS ]] || DNSPERF_ARGS+=(-Q "$BENCH_QPS")

run_dnsperf() { # SERVER SECONDS OUTFILE: bounded dnsperf run, in the background so the trap can stop it
    local s=$1 secs=$2 out=$3 pid rc=0
    local queries=$QUERYFILE
    [[ $s != router-tm && $s != router-cluster ]] || queries=$TM_QUERYFILE
    timeout $((secs + 30)) dnsperf "${DNSPERF_ARGS[@]}" -d "$queries" -p "${PORT_OF[$s]}" -l "$secs" >"$out" 2>&1 &
    pid=$!
    STARTED_PIDS+=("$pid")
    wait "$pid" || rc=$?
    if ((rc != 0)); then
        tail -n 20 "$out" >&2 || true
        die "dnsperf against $s failed (exit $rc)"
    fi
    kill -0 "${PID[$s]}" 2>/dev/null || die "$s exited during the benchmark; see ${LOG_OF[$s]}"
}

# dnsperf statistics -> "sent completed lost qps avg_latency_s"
parse_dnsperf() {
    awk '
        /Queries sent:/         { sent = $3 }
        /Queries completed:/    { done = $3 }
        /Queries lost:/         { lost = $3 }
        /Queries per second:/   { qps = $4 }
        /Average Latency \(s\):/ { lat = $4 }
        END { if (qps == "" || done == "") exit 1; print sent + 0, done + 0, lost + 0, qps + 0, lat + 0 }' "$1"
}

if ((BENCH_WARMUP > 0)); then
    for s in "${SERVERS[@]}"; do
        log "dns-qps: warm-up ${BENCH_WARMUP}s on $s (not recorded)"
        run_dnsperf "$s" "$BENCH_WARMUP" "$WORK/warmup-$s.txt"
    done
fi

declare -A QPS_LIST CPU_LIST LAT_LIST SENT_SUM LOST_SUM
for s in "${SERVERS[@]}"; do
    QPS_LIST[$s]="" CPU_LIST[$s]="" LAT_LIST[$s]="" SENT_SUM[$s]=0 LOST_SUM[$s]=0
done

mode="maximum rate"
[[ -z $BENCH_QPS ]] || mode="offered load $BENCH_QPS q/s (-Q)"
log "dns-qps: $BENCH_ROUNDS round(s) x ${BENCH_SECONDS}s per server, $mode, -c $BENCH_CLIENTS, order: ${SERVERS[*]}"
[[ -z $BENCH_RESULTS ]] || [[ -s $BENCH_RESULTS ]] ||
    printf 'server\tround\tseconds\tqps_limit\tsent\tcompleted\tlost\tqps\tcpu_us_per_query\tavg_latency_us\n' >"$BENCH_RESULTS"

for ((round = 1; round <= BENCH_ROUNDS; round++)); do
    for s in "${SERVERS[@]}"; do
        out=$WORK/dnsperf-$s-$round.txt
        t0=$(cpu_ticks "${PID[$s]}") || die "$s is gone"
        run_dnsperf "$s" "$BENCH_SECONDS" "$out"
        t1=$(cpu_ticks "${PID[$s]}") || die "$s is gone"
        stats=$(parse_dnsperf "$out") || {
            cat "$out" >&2
            die "could not read dnsperf's statistics for $s"
        }
        read -r sent completed lost qps lat <<<"$stats"
        ((completed > 0)) || die "$s completed no queries in round $round"
        cpu_us=$(awk -v d=$((t1 - t0)) -v hz="$CLK_TCK" -v n="$completed" 'BEGIN { printf "%.3f", d * 1e6 / hz / n }')
        lat_us=$(awk -v l="$lat" 'BEGIN { printf "%.1f", l * 1e6 }')
        rcodes=$(sed -n 's/^ *Response codes: *//p' "$out")
        QPS_LIST[$s]+="$qps "
        CPU_LIST[$s]+="$cpu_us "
        LAT_LIST[$s]+="$lat_us "
        SENT_SUM[$s]=$((SENT_SUM[$s] + sent))
        LOST_SUM[$s]=$((LOST_SUM[$s] + lost))
        printf 'round %d/%d %-14s %12.0f q/s  %7.3f us CPU/query  lost %d/%d  avg latency %.1f us  [%s]\n' \
            "$round" "$BENCH_ROUNDS" "$s" "$qps" "$cpu_us" "$lost" "$sent" "$lat_us" "$rcodes"
        [[ -z $BENCH_RESULTS ]] ||
            printf '%s\t%d\t%d\t%s\t%d\t%d\t%d\t%s\t%s\t%s\n' "$s" "$round" "$BENCH_SECONDS" "${BENCH_QPS:-max}" \
                "$sent" "$completed" "$lost" "$qps" "$cpu_us" "$lat_us" >>"$BENCH_RESULTS"
    done
done

# --- summary ----------------------------------------------------------------------------------------------------

median() { # numbers... -> median
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'; }

declare -A MED_QPS MED_CPU
declare -A DISPLAY=([router]=Router [router-tm]=Router-TM [router-cluster]=Router-Cluster [knot]=Knot [arsoft]=ARSoft [pdns]=PowerDNS)
echo
echo "DNS benchmark, zone $ZONE, $mode, dnsperf -c $BENCH_CLIENTS -l $BENCH_SECONDS, median of $BENCH_ROUNDS interleaved run(s)"
echo "machine: $(nproc) CPU(s), $(uname -r); $(dnsperf -h 2>&1 | sed -n 's/^Version /dnsperf /p')"
printf '%-14s %14s %18s %10s %18s\n' server "q/s" "CPU us/query" "lost %" "avg latency us"
for s in "${SERVERS[@]}"; do
    # shellcheck disable=SC2086 # word splitting of the space-separated lists is intended
    MED_QPS[$s]=$(median ${QPS_LIST[$s]})
    # shellcheck disable=SC2086
    MED_CPU[$s]=$(median ${CPU_LIST[$s]})
    # shellcheck disable=SC2086
    med_lat=$(median ${LAT_LIST[$s]})
    lost_pct=$(awk -v l="${LOST_SUM[$s]}" -v n="${SENT_SUM[$s]}" 'BEGIN { printf "%.2f", n ? 100 * l / n : 0 }')
    printf '%-14s %14.0f %18.3f %10s %18.1f\n' "${DISPLAY[$s]}" "${MED_QPS[$s]}" "${MED_CPU[$s]}" "$lost_pct" "$med_lat"
done

if has_server router-tm; then
    for base in router knot arsoft pdns; do
        has_server "$base" || continue
        echo "Router-TM (profile name, performance routing)/${DISPLAY[$base]}: q/s $(ratio "${MED_QPS[router-tm]}" "${MED_QPS[$base]}")  CPU us/query $(ratio "${MED_CPU[router-tm]}" "${MED_CPU[$base]}")"
    done
fi
if has_server router-cluster && has_server router-tm; then
    echo "Router-Cluster (the same profile, Cluster section on etcd)/Router-TM: q/s $(ratio "${MED_QPS[router-cluster]}" "${MED_QPS[router-tm]}")  CPU us/query $(ratio "${MED_CPU[router-cluster]}" "${MED_CPU[router-tm]}")"
    # The floor from issue 11 (informational): clustered q/s >= 0.95 x unclustered, in the same run.
    if awk -v c="${MED_QPS[router-cluster]}" -v t="${MED_QPS[router-tm]}" 'BEGIN { exit !(c >= 0.95 * t) }'; then v=PASS; else v=FAIL; fi
    printf '%s  q/s:       Router-Cluster %.0f q/s, floor 0.95 x Router-TM = %.0f q/s\n' "$v" "${MED_QPS[router-cluster]}" \
        "$(awk -v t="${MED_QPS[router-tm]}" 'BEGIN { print 0.95 * t }')"
fi
if has_server router; then
    for base in knot arsoft pdns; do
        has_server "$base" || continue
        echo "Router/${DISPLAY[$base]}: q/s $(ratio "${MED_QPS[router]}" "${MED_QPS[$base]}")  CPU us/query $(ratio "${MED_CPU[router]}" "${MED_CPU[$base]}")"
    done
    if has_server knot; then
        # The floor from the issue (informational): q/s >= 0.7 x Knot, CPU/query <= 1.5 x Knot.
        if awk -v r="${MED_QPS[router]}" -v k="${MED_QPS[knot]}" 'BEGIN { exit !(r >= 0.7 * k) }'; then v=PASS; else v=FAIL; fi
        printf '%s  q/s:       Router %.0f q/s, floor 0.7 x Knot = %.0f q/s\n' "$v" "${MED_QPS[router]}" \
            "$(awk -v k="${MED_QPS[knot]}" 'BEGIN { print 0.7 * k }')"
        if awk -v r="${MED_CPU[router]}" -v k="${MED_CPU[knot]}" 'BEGIN { exit !(r <= 1.5 * k) }'; then v=PASS; else v=FAIL; fi
        printf '%s  CPU/query: Router %.3f us, ceiling 1.5 x Knot = %.3f us\n' "$v" "${MED_CPU[router]}" \
            "$(awk -v k="${MED_CPU[knot]}" 'BEGIN { print 1.5 * k }')"
    fi
fi
echo "Compare only figures from the same run (the machine drifts between fast and slow modes); see tests/bench/README.md."
