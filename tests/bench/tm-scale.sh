#!/usr/bin/env bash
# A traffic manager at 100,000 profiles x 3 endpoints in batch mode (issue 12): load time and RSS, batch requests
# per interval, DNS q/s for profile names vs the same Router with one profile, one registry's verdict change to its
# DNS answer, and a whole region turning 503 with the DNS rate during the rebuild. Loopback (127.0.59.x) only.
# See tests/bench/README.md. Figures are informational: the PASS/FAIL line does not change the exit code.
#
#   TM_PROFILES     profiles (each with 3 endpoints, one per region)        [100000]
#   TM_INTERVAL_S   Monitor:IntervalSeconds of every profile                [10]
#   BENCH_SECONDS   dnsperf -l per measured run                             [10]
#   BENCH_ROUNDS    interleaved rounds (many profiles / one profile)        [3]
#   BENCH_CLIENTS   dnsperf -c                                              [8]
#   ROUTER_BIN      Router executable (default: build src/Router.Cli in Release)
#   BENCH_KEEP_TMP  1 = keep the temporary directory
#
# The three region monitors are a small fake batch server (python3, the document of /tmp/prompts' contract:
# GET /health/registries with since, wait, ETag and If-None-Match) so that the Router is what is measured; it counts
# the requests it gets and flips verdicts on request (POST /control/flip?name=R, POST /control/fail-all).
set -euo pipefail

readonly BENCH_NAME=tm-scale BENCH_KEEP_VAR=BENCH_KEEP_TMP STOP_TIMEOUT_S=20 INSTALL_TIMEOUT_S=300
readonly FIRST_PORT=16001 LAST_PORT=16099
TM_PROFILES=${TM_PROFILES:-100000}
TM_INTERVAL_S=${TM_INTERVAL_S:-10}
BENCH_SECONDS=${BENCH_SECONDS:-10}
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
BENCH_CLIENTS=${BENCH_CLIENTS:-8}
BENCH_KEEP_TMP=${BENCH_KEEP_TMP:-0}
cd "$(dirname "$0")/../.."
# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh

is_positive "$TM_PROFILES" || usage_error "TM_PROFILES must be a positive integer"
is_positive "$TM_INTERVAL_S" || usage_error "TM_INTERVAL_S must be a positive integer"
is_positive "$BENCH_SECONDS" || usage_error "BENCH_SECONDS must be a positive integer"
is_positive "$BENCH_ROUNDS" || usage_error "BENCH_ROUNDS must be a positive integer"
is_positive "$BENCH_CLIENTS" || usage_error "BENCH_CLIENTS must be a positive integer"
for tool in dnsperf dig python3 curl awk timeout; do
    command -v "$tool" >/dev/null 2>&1 || apt_install "$tool"
done

bench_workdir
readonly ZONE=tm.scale.test DNS_ADDR=127.0.59.1 ONE_ADDR=127.0.59.2
readonly REGIONS=(eastus westeurope eastasia) REGION_ADDR=(127.0.59.11 127.0.59.12 127.0.59.13)
next_free_port && DNS_PORT=$PORT
next_free_port && ONE_PORT=$PORT
next_free_port && MONITOR_PORT=$PORT

if [[ -z ${ROUTER_BIN:-} ]]; then
    log "$BENCH_NAME: building Router"
    dotnet build -c Release src/Router.Cli/Router.Cli.csproj >"$WORK/build.log" 2>&1 || {
        tail -n 30 "$WORK/build.log" >&2
        die "build failed"
    }
    ROUTER_BIN=src/Router.Cli/bin/Release/net10.0/router
fi

answer() { # ADDR PORT NAME -> the first A record, or "-"
    local a
    a=$(dig +short +tries=1 +time=2 -p "$2" "@$1" "$3" A 2>/dev/null | head -n 1)
    printf '%s' "${a:--}"
}

# --- the fake batch monitors ------------------------------------------------------------------------------------
cat >"$WORK/monitor.py" <<'PY'
import http.server, json, sys, threading, time, urllib.parse
region, address, port, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
lock = threading.Condition()
status = ["Healthy"] * count
for i in sys.argv[5:]:              # registries Unhealthy from the start (the last one in eastus: answers by verdict)
    status[int(i)] = "Unhealthy"
changed_at = [0] * count            # version of each registry's last change
version = int(time.time() * 1000)
first = version
requests = 0
transition = 0.0                    # wall clock of the last flip, for the script

def entry(i):
    s = status[i]
    e = {"name": f"r{i}", "status": s, "failOpen": False}
    if s != "Healthy":
        e["reason"] = "storage 'sa' is Unhealthy: bench"
    return e

def document(since):
    if since is None or since < first or since > version:
        regs, complete = [entry(i) for i in range(count)], True
    else:
        regs, complete = [entry(i) for i in range(count) if changed_at[i] > since], False
    body = {"region": region, "version": version, "complete": complete, "registries": regs}
    return json.dumps(body, separators=(",", ":")).encode()

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def send(self, code, body=b"", etag=None):
        self.send_response(code)
        if etag: self.send_header("ETag", f'"{etag}"')
        self.send_header("Cache-Control", "no-store")
        if code != 304:
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if code != 304: self.wfile.write(body)
    def do_GET(self):
        global requests
        url = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(url.query)
        if url.path == "/control/requests":
            return self.send(200, str(requests).encode())
        if url.path == "/control/transition":
            return self.send(200, repr(transition).encode())
        if url.path != "/health/registries":
            return self.send(404, b"{}")
        with lock:
            requests += 1
            since = int(q["since"][0]) if "since" in q else None
            wait = float(q["wait"][0]) if "wait" in q else 0
            deadline = time.time() + wait
            while since is not None and since == version and time.time() < deadline:
                lock.wait(deadline - time.time())
            if self.headers.get("If-None-Match") == f'"{version}"':
                return self.send(304, etag=version)
            body, v = document(since), version
        self.send(200, body, etag=v)
    def do_POST(self):
        global version, transition
        url = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(url.query)
        with lock:
            version += 1
            to = q.get("status", ["Unhealthy"])[0]
            names = range(count) if url.path == "/control/fail-all" else [int(q["name"][0][1:])]
            for i in names:
                status[i] = to
                changed_at[i] = version
            transition = time.time()
            lock.notify_all()
        self.send(200, b"{}")

server = http.server.ThreadingHTTPServer((address, port), Handler)
server.daemon_threads = True
server.serve_forever()
PY

MONITOR_PIDS=()
for i in 0 1 2; do
    unhealthy=()
    ((i == 0)) && unhealthy=($((TM_PROFILES - 1)))
    python3 "$WORK/monitor.py" "${REGIONS[$i]}" "${REGION_ADDR[$i]}" "$MONITOR_PORT" "$TM_PROFILES" "${unhealthy[@]}" >"$WORK/monitor-${REGIONS[$i]}.log" 2>&1 &
    STARTED_PIDS+=($!)
    MONITOR_PIDS+=($!)
done
monitor_url() { printf 'http://%s:%s%s' "${REGION_ADDR[$1]}" "$MONITOR_PORT" "$2"; }
for i in 0 1 2; do
    for ((t = 0; t < 300; t++)); do
        curl -fsS -o /dev/null "$(monitor_url "$i" /control/requests)" 2>/dev/null && break
        sleep 0.1
    done
done
requests_total() { local i n=0 r; for i in 0 1 2; do r=$(curl -fsS "$(monitor_url "$i" /control/requests)"); n=$((n + r)); done; echo "$n"; }

# --- configurations -----------------------------------------------------------------------------------------------
python3 - "$WORK" "$TM_PROFILES" "$DNS_ADDR:$DNS_PORT" "$ONE_ADDR:$ONE_PORT" "$MONITOR_PORT" "$TM_INTERVAL_S" "$ZONE" <<'PY'
import json, sys
work, n, dns, one, port, interval, zone = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
regions = [("eastus", "127.0.59.11", 10), ("westeurope", "127.0.59.12", 80), ("eastasia", "127.0.59.13", 190)]
def write(path, listen, count):
    with open(path, "w") as f:
        f.write('{"Dns":{"Listen":["%s"],"Forwarding":{"Enabled":false}},"TrafficManager":{"Zone":"%s",' % (listen, zone))
        f.write('"LatencyTable":[{"Network":"127.0.0.0/8","Latencies":%s}],"Profiles":[\n' % json.dumps({r: l for r, _, l in regions}))
        for i in range(count):
            p = {"Name": f"r{i}", "RoutingMethod": "Performance",
                 "Monitor": {"Mode": "Batch", "Protocol": "Http", "Port": port, "IntervalSeconds": interval,
                             "TimeoutSeconds": min(5, interval - 1), "ToleratedFailures": 0},
                 "Endpoints": [{"Name": r, "Location": r, "Target": t} for r, t, _ in regions]}
            f.write(("," if i else "") + json.dumps(p, separators=(",", ":")) + "\n")
        f.write(']},"Logging":{"LogLevel":{"Default":"Warning","Router.TrafficManager.TrafficManagerService":"Information"}}}\n')
write(f"{work}/many.json", dns, n)
write(f"{work}/one.json", one, 1)
with open(f"{work}/many.txt", "w") as f:
    import random
    rnd = random.Random(12)
    for _ in range(100000):
        f.write(f"r{rnd.randrange(n)}.{zone} A\n")
with open(f"{work}/one.txt", "w") as f:
    f.write(f"r0.{zone} A\n")
PY

# --- load ---------------------------------------------------------------------------------------------------------
/usr/bin/time -v "$ROUTER_BIN" validate --config "$WORK/many.json" >"$WORK/validate.log" 2>&1 || {
    tail -n 20 "$WORK/validate.log" >&2
    die "router validate refused the generated configuration"
}
VALIDATE_S=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$WORK/validate.log")
VALIDATE_HWM=$(awk -F': ' '/Maximum resident/ { print $2 }' "$WORK/validate.log")

start_router() { # CONFIG LOG -> PID in ROUTER_PID
    "$ROUTER_BIN" serve --config "$1" >"$2" 2>&1 &
    ROUTER_PID=$!
    STARTED_PIDS+=("$ROUTER_PID")
}
last=$((TM_PROFILES - 1))
T0=$(now)
start_router "$WORK/many.json" "$WORK/router-many.log"
MANY_PID=$ROUTER_PID
for ((t = 0; t < 1200; t++)); do
    [[ $(answer "$DNS_ADDR" "$DNS_PORT" "r$last.$ZONE") == 127.0.59.* ]] && break
    kill -0 "$MANY_PID" 2>/dev/null || { tail -n 30 "$WORK/router-many.log" >&2; die "router serve (many) ended$(keep_hint)"; }
    sleep 0.1
done
LOAD_S=$(elapsed "$T0" "$(now)")
[[ $(answer "$DNS_ADDR" "$DNS_PORT" "r$last.$ZONE") == 127.0.59.* ]] || die "no answer for r$last within 120 s$(keep_hint)"
# Answers by verdict come after the first batch documents: r<last> is Unhealthy in eastus from the start, so it
# answers eastus (CheckingEndpoint, eligible) until eastus's document is counted, then westeurope.
for ((t = 0; t < 600; t++)); do
    [[ $(answer "$DNS_ADDR" "$DNS_PORT" "r$last.$ZONE") == "${REGION_ADDR[1]}" ]] && break
    sleep 0.1
done
ONLINE_S=$(elapsed "$T0" "$(now)")
RSS_AFTER=$(proc_kb "$MANY_PID" VmRSS)
HWM=$(proc_kb "$MANY_PID" VmHWM)
# --- requests per interval ----------------------------------------------------------------------------------------
# Over three intervals (a long poll held for one interval may end just inside or just outside a single window).
r0=$(requests_total)
sleep $((3 * TM_INTERVAL_S))
PER_INTERVAL=$(awk -v n="$(($(requests_total) - r0))" 'BEGIN { printf "%.1f", n / 3 }')

# The one-profile router polls the same monitors: started only now, so the count above is the many-profile router's.
start_router "$WORK/one.json" "$WORK/router-one.log"
ONE_PID=$ROUTER_PID
for ((t = 0; t < 600; t++)); do
    [[ $(answer "$ONE_ADDR" "$ONE_PORT" "r0.$ZONE") == 127.0.59.* ]] && break
    sleep 0.1
done

# --- DNS q/s, interleaved -----------------------------------------------------------------------------------------
dnsperf_qps() { # ADDR PORT QUERIES SECONDS OUT -> q/s
    timeout $(($4 + 30)) dnsperf -s "$1" -p "$2" -d "$3" -l "$4" -c "$BENCH_CLIENTS" -S 1 >"$5" 2>&1 || die "dnsperf failed ($5)"
    awk '/Queries per second:/ { print $4 }' "$5"
}
MANY_QPS=() ONE_QPS=()
for ((r = 1; r <= BENCH_ROUNDS; r++)); do
    MANY_QPS+=("$(dnsperf_qps "$DNS_ADDR" "$DNS_PORT" "$WORK/many.txt" "$BENCH_SECONDS" "$WORK/dnsperf-many-$r.txt")")
    ONE_QPS+=("$(dnsperf_qps "$ONE_ADDR" "$ONE_PORT" "$WORK/one.txt" "$BENCH_SECONDS" "$WORK/dnsperf-one-$r.txt")")
done
MANY_MED=$(median "${MANY_QPS[@]}")
ONE_MED=$(median "${ONE_QPS[@]}")

# --- one registry's verdict change --------------------------------------------------------------------------------
flip=$((TM_PROFILES / 2))
curl -fsS -X POST -o /dev/null "$(monitor_url 0 "/control/flip?name=r$flip&status=Unhealthy")"
FLIP_AT=$(curl -fsS "$(monitor_url 0 /control/transition)")
for ((t = 0; t < 2000; t++)); do
    [[ $(answer "$DNS_ADDR" "$DNS_PORT" "r$flip.$ZONE") == "${REGION_ADDR[1]}" ]] && break
done
FLIP_S=$(awk -v a="$FLIP_AT" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')

# --- a whole region turning 503 -----------------------------------------------------------------------------------
dnsperf_qps "$DNS_ADDR" "$DNS_PORT" "$WORK/many.txt" 5 "$WORK/dnsperf-idle.txt" >/dev/null
timeout 60 dnsperf -s "$DNS_ADDR" -p "$DNS_PORT" -d "$WORK/many.txt" -l $((TM_INTERVAL_S + 6)) -c "$BENCH_CLIENTS" -S 1 >"$WORK/dnsperf-rebuild.txt" 2>&1 &
PERF_PID=$!
STARTED_PIDS+=("$PERF_PID")
sleep 3
curl -fsS -X POST -o /dev/null "$(monitor_url 0 /control/fail-all)"
FAIL_AT=$(curl -fsS "$(monitor_url 0 /control/transition)")
# Every profile has moved when the first, the last and a sample between answer westeurope.
sample=(0 "$last" $((TM_PROFILES / 3)) $((TM_PROFILES * 2 / 3)) $((TM_PROFILES - 2)))
MOVED_S=-
for ((t = 0; t < 600; t++)); do
    all=1
    for p in "${sample[@]}"; do
        [[ $(answer "$DNS_ADDR" "$DNS_PORT" "r$p.$ZONE") == "${REGION_ADDR[1]}" ]] || { all=0; break; }
    done
    ((all)) && { MOVED_S=$(awk -v a="$FAIL_AT" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'); break; }
    sleep 0.05
done
wait "$PERF_PID" || true
# The logged summary says how many profiles changed in the batch (event 3620 plus the ones logged one by one).
SUMMARY=$(grep -o '[0-9]* more profiles changed status at once ([0-9]* in all)' "$WORK/router-many.log" | tail -n 1 || true)
IDLE_QPS=$(awk '/Queries per second:/ { print $4 }' "$WORK/dnsperf-idle.txt")
# dnsperf -S 1 prints a rate per second; the slowest second after the flip is the rate during the rebuild.
# (Seconds 1-3 are before the flip; the last, partial second is left out.)
REBUILD_MIN=$(awk '/^[0-9.]+: [0-9.]+$/ { print $2 }' "$WORK/dnsperf-rebuild.txt" | sed '$d' | sed -n '4,$p' | sort -g | head -n 1)
REBUILD_MIN=${REBUILD_MIN:-0}

# --- report -------------------------------------------------------------------------------------------------------
echo "Traffic manager at scale: $TM_PROFILES profiles x 3 endpoints, batch mode, IntervalSeconds $TM_INTERVAL_S"
echo "machine: $(nproc) CPU(s), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "router validate:            ${VALIDATE_S} s, peak RSS $(mib "$VALIDATE_HWM") MiB"
echo "load (first answer):        ${LOAD_S} s; answers by verdict (first documents counted) after ${ONLINE_S} s"
echo "RSS after load / peak:      $(mib "$RSS_AFTER") MiB / $(mib "$HWM") MiB"
echo "batch requests / interval:  $PER_INTERVAL (3 regions; mean of 3 intervals)"
echo "DNS q/s profile names:      $MANY_MED vs one profile $ONE_MED (median of $BENCH_ROUNDS): $(ratio "$MANY_MED" "$ONE_MED")x"
echo "one registry -> DNS answer: ${FLIP_S} s after the monitor's transition"
echo "region 503 -> all moved:    ${MOVED_S} s (${SUMMARY:-no summary line})"
echo "DNS q/s during rebuild:     slowest second $REBUILD_MIN vs idle $IDLE_QPS: $(ratio "$REBUILD_MIN" "$IDLE_QPS")x"
pass=PASS
awk -v v="$LOAD_S" 'BEGIN { exit !(v < 10) }' || pass=FAIL
(($(mib "$HWM") < 1024)) || pass=FAIL
awk -v v="$PER_INTERVAL" 'BEGIN { exit !(v <= 3.4) }' || pass=FAIL
awk -v a="$MANY_MED" -v b="$ONE_MED" 'BEGIN { exit !(b > 0 && a / b >= 0.9) }' || pass=FAIL
awk -v v="$FLIP_S" 'BEGIN { exit !(v < 1) }' || pass=FAIL
[[ $MOVED_S != - ]] && awk -v v="$MOVED_S" -v i="$TM_INTERVAL_S" 'BEGIN { exit !(v < i) }' || pass=FAIL
awk -v a="$REBUILD_MIN" -v b="$IDLE_QPS" 'BEGIN { exit !(b > 0 && a / b >= 0.8) }' || pass=FAIL
echo "$pass (informational): load < 10 s, peak RSS < 1 GiB, requests/interval <= 3, q/s >= 0.9x, verdict -> answer < 1 s, region moved within an interval, q/s during rebuild >= 0.8x"
