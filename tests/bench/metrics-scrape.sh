#!/usr/bin/env bash
# One /metrics scrape of a router with many traffic manager profiles: time, bytes and CPU per scrape, and the metric
# families it exports. A script, not a test: it prints figures, and exits non-zero only when something broke (build,
# start-up, no scrape). Loopback (127.0.0.1) traffic only. See tests/bench/README.md.
#
# The router runs every role: DNS (a static zone, forwarding to a closed upstream port so forward failures and their
# durations are recorded), a traffic manager with BENCH_PROFILES profiles of 3 endpoints each (TCP probes: two
# endpoints Online against the admin listener, one Degraded), a health monitor (one resource up, one down) and the
# admin API. A little traffic of every kind is sent before measuring, so that every instrument has series.
#
# Environment:
#   BENCH_PROFILES  traffic manager profiles, 3 endpoints each       [1000]
#   BENCH_SCRAPES   measured scrapes, back to back; medians reported [20]
#   BENCH_WAIT      seconds to let every endpoint be probed first    [35]
#   ROUTER_BIN      Router executable; when set, no build is done    [build src/Router.Cli in Release]
#   BENCH_KEEP_TMP  1 = keep the temporary directory (config, log, the last scrape)
set -euo pipefail

readonly FIRST_PORT=15401
readonly LAST_PORT=15499
readonly STARTUP_TIMEOUT_S=120
readonly BUILD_TIMEOUT_S=900
readonly INSTALL_TIMEOUT_S=600
readonly STOP_TIMEOUT_S=10

BENCH_PROFILES=${BENCH_PROFILES:-1000}
BENCH_SCRAPES=${BENCH_SCRAPES:-20}
BENCH_WAIT=${BENCH_WAIT:-35}
BENCH_KEEP_TMP=${BENCH_KEEP_TMP:-0}

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)

BENCH_NAME=metrics-scrape
BENCH_KEEP_VAR=BENCH_KEEP_TMP
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$SCRIPT_DIR/lib.sh"
is_positive "$BENCH_PROFILES" || usage_error "BENCH_PROFILES must be a positive integer"
is_positive "$BENCH_SCRAPES" || usage_error "BENCH_SCRAPES must be a positive integer"
is_uint "$BENCH_WAIT" || usage_error "BENCH_WAIT must be a non-negative integer"

bench_workdir
for tool in curl dig python3; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is required (apt-get install curl bind9-dnsutils python3)"
done

if [[ -z ${ROUTER_BIN:-} ]]; then
    log "metrics-scrape: building Router (Release): dotnet build -c Release src/Router.Cli/Router.Cli.csproj"
    (cd "$REPO_ROOT" && exec timeout "$BUILD_TIMEOUT_S" env DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 \
        dotnet build -c Release --disable-build-servers src/Router.Cli/Router.Cli.csproj) >"$WORK/build.log" 2>&1 &
    build_pid=$!
    STARTED_PIDS+=("$build_pid")
    wait "$build_pid" || { tail -n 20 "$WORK/build.log" >&2; die "Router build failed"; }
    ROUTER_BIN=$REPO_ROOT/src/Router.Cli/bin/Release/net10.0/router
fi
[[ -x $ROUTER_BIN ]] || die "Router executable not found or not executable: $ROUTER_BIN"

next_free_port
DNS_PORT=$PORT
next_free_port
ADMIN_PORT=$PORT
next_free_port
HEALTH_PORT=$PORT

python3 - "$BENCH_PROFILES" "$DNS_PORT" "$ADMIN_PORT" "$HEALTH_PORT" "$WORK" >"$WORK/router.json" <<'EOF'
import json, sys
profiles, dns, admin, health, work = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
monitor = {"Protocol": "Tcp", "Port": int(admin), "IntervalSeconds": 30, "TimeoutSeconds": 2, "ToleratedFailures": 0}
config = {
    "Dns": {"Listen": [f"127.0.0.1:{dns}"],
            "Zones": [{"Name": "bench.test", "Records": [{"Name": "www", "Type": "A", "Value": "127.0.0.80"}]}],
            "Forwarding": {"Enabled": True, "Upstreams": ["127.0.0.1:9"], "AllowedClients": ["127.0.0.0/8"],
                           "TimeoutSeconds": 0.5, "Attempts": 1}},
    "TrafficManager": {"Zone": "tm.bench.test", "Profiles": [
        {"Name": f"p{i}", "RoutingMethod": "Priority", "Monitor": monitor, "Endpoints": [
            {"Name": "eastus", "Target": "127.0.0.1", "Priority": 1},
            {"Name": "westeurope", "Target": "127.0.0.1", "Priority": 2},
            {"Name": "eastasia", "Target": "127.0.0.2", "Priority": 3}]}
        for i in range(profiles)]},
    "Health": {"Region": "eastus", "Listen": f"http://127.0.0.1:{health}",
               "Evaluation": {"IntervalSeconds": 5, "TimeoutSeconds": 2, "FailuresToUnhealthy": 1, "SuccessesToHealthy": 1},
               "Resources": [{"Id": "api", "Kind": "Container", "Check": {"Type": "Tcp", "Endpoint": f"127.0.0.1:{admin}"}},
                             {"Id": "cache", "Kind": "Cache", "Check": {"Type": "Tcp", "Endpoint": "127.0.0.1:9"}}],
               "Registries": [{"Name": "contoso", "Container": "api"}, {"Name": "fabrikam", "Container": "api", "Cache": "cache"}]},
    "Admin": {"Listen": f"http://127.0.0.1:{admin}", "StateFile": f"{work}/router-state.json"},
}
json.dump(config, sys.stdout)
EOF

log "metrics-scrape: starting $ROUTER_BIN with $BENCH_PROFILES profiles ($((BENCH_PROFILES * 3)) endpoints)"
"$ROUTER_BIN" serve --config "$WORK/router.json" >"$WORK/router.log" 2>&1 &
ROUTER_PID=$!
STARTED_PIDS+=("$ROUTER_PID")
METRICS_URL=http://127.0.0.1:$ADMIN_PORT/metrics
for ((i = 0; i < STARTUP_TIMEOUT_S * 10; i++)); do
    curl -fs -o /dev/null "$METRICS_URL" && break
    kill -0 "$ROUTER_PID" 2>/dev/null || { tail -n 20 "$WORK/router.log" >&2; die "the router exited during start-up"; }
    sleep 0.1
done
curl -fs -o /dev/null "$METRICS_URL" || die "no answer on $METRICS_URL within ${STARTUP_TIMEOUT_S}s$(keep_hint)"

# A little of every kind of traffic: answers for profiles and the static zone, a forwarded name (SERVFAIL), a cache
# lookup, TCP, a malformed packet, health requests.
for i in 0 1 2; do dig +short +tries=1 +time=2 @127.0.0.1 -p "$DNS_PORT" "p$i.tm.bench.test" A >/dev/null || true; done
dig +short +tries=1 +time=2 @127.0.0.1 -p "$DNS_PORT" www.bench.test A >/dev/null || true
dig +short +tries=1 +time=2 +tcp @127.0.0.1 -p "$DNS_PORT" www.bench.test A >/dev/null || true
dig +short +tries=1 +time=3 @127.0.0.1 -p "$DNS_PORT" forwarded.example A >/dev/null || true
python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b"\x12\x34\x01", ("127.0.0.1", int(sys.argv[1])))' "$DNS_PORT"
for registry in contoso fabrikam; do curl -s -o /dev/null "http://127.0.0.1:$HEALTH_PORT/health/registries/$registry" || true; done

log "metrics-scrape: waiting ${BENCH_WAIT}s for every endpoint to be probed"
sleep "$BENCH_WAIT"

ticks() { awk '{ print $14 + $15 }' "/proc/$ROUTER_PID/stat"; }
allocated() { # the process's allocated bytes so far, from the runtime's own counter in the scrape
    awk '/^dotnet_gc_heap_total_allocated_bytes_total/ { print $2 }' "$1"
}
CLK_TCK=$(getconf CLK_TCK)
TIMES=() SIZES=() CPUS=() ALLOCS=()
curl -fs -o "$WORK/scrape.txt" "$METRICS_URL" # warm-up (first-scrape JIT)
previous_alloc=$(allocated "$WORK/scrape.txt")
for ((i = 0; i < BENCH_SCRAPES; i++)); do
    before=$(ticks)
    read -r seconds bytes < <(curl -fs -o "$WORK/scrape.txt" -w '%{time_total} %{size_download}\n' "$METRICS_URL")
    after=$(ticks)
    TIMES+=("$seconds")
    SIZES+=("$bytes")
    CPUS+=("$(((after - before) * 1000 / CLK_TCK))")
    alloc=$(allocated "$WORK/scrape.txt")
    if [[ -n $alloc && -n $previous_alloc ]]; then ALLOCS+=("$(awk -v a="$alloc" -v b="$previous_alloc" 'BEGIN { printf "%.0f", a - b }')"); fi
    previous_alloc=$alloc
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
series=$(grep -cv '^#' "$WORK/scrape.txt" || true)
families=$(grep -c '^# TYPE' "$WORK/scrape.txt" || true)
status_series=$(grep -c '^router_tm_endpoint_status{' "$WORK/scrape.txt" || true)
overflow=$(grep -c 'otel_metric_overflow="true"' "$WORK/scrape.txt" || true)

printf '\n/metrics of a router with %d profiles (%d endpoints), %d scrapes back to back (%s)\n' \
    "$BENCH_PROFILES" "$((BENCH_PROFILES * 3))" "$BENCH_SCRAPES" "$ROUTER_BIN"
printf '  median time per scrape:      %s s (curl time_total)\n' "$(median "${TIMES[@]}")"
printf '  median response size:        %s bytes\n' "$(median "${SIZES[@]}")"
printf '  median server CPU per scrape: %s ms (utime+stime of the router process)\n' "$(median "${CPUS[@]}")"
if ((${#ALLOCS[@]} > 0)); then
    printf '  median allocated per scrape: %s bytes (dotnet_gc_heap_total_allocated_bytes_total between scrapes; includes what probes allocated meanwhile)\n' "$(median "${ALLOCS[@]}")"
fi
printf '  samples: %s in %s families; router_tm_endpoint_status series: %s; overflow series: %s\n' \
    "$series" "$families" "$status_series" "$overflow"
printf '\nMetric families (# TYPE lines of the last scrape):\n'
grep '^# TYPE' "$WORK/scrape.txt" | awk '{ print "  " $3 " " $4 }' | sort
