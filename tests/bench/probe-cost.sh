#!/usr/bin/env bash
# What per-profile probing costs (issue 12): a traffic manager with N Performance profiles x 3 endpoints probed one
# by one (Monitor:Mode Probe) at a 30 s interval, first with Tcp monitors, then with Http monitors, against plain
# local listeners. Prints start-up time (first answer), peak RSS, the router's CPU per TCP probe and per HTTP probe
# (its own utime + stime from /proc/PID/stat over a steady window, divided by the probes its /metrics counted in that
# window), and DNS q/s for profile names while the Tcp phase probes vs the same Router binary serving one profile
# (interleaved rounds, same dnsperf settings), with CPU per query. Loopback (127.0.61.x) only, ports 16101-16199.
# See tests/bench/README.md. Figures are informational: the PASS/FAIL line does not change the exit code.
#
#   PROFILES        profiles (each with 3 endpoints, one per region)          [10000]
#   INTERVAL_S      Monitor:IntervalSeconds of every profile                  [30]
#   WARMUP_S        seconds after the first answer before the window starts   [20]
#   WINDOW          seconds of the measured CPU window per protocol           [30]
#   PHASES          which monitors to measure, in order: tcp, http            [tcp,http]
#   BENCH_SECONDS   dnsperf -l per measured run                               [10]
#   BENCH_ROUNDS    interleaved rounds (many profiles / one profile)          [3]
#   BENCH_CLIENTS   dnsperf -c                                                [8]
#   ROUTER_BIN      Router executable (default: build src/Router.Cli in Release)
#   BENCH_KEEP_TMP  1 = keep the temporary directory
#
# The listeners are one small python3 process (a selectors loop, no threads): on one port it accepts and closes (the
# TCP probe's target), on another it answers any request with "200 OK" and closes (the HTTP probe's target). Its CPU
# is not counted; only the router's is.
set -euo pipefail

readonly BENCH_NAME=probe-cost BENCH_KEEP_VAR=BENCH_KEEP_TMP STOP_TIMEOUT_S=20 INSTALL_TIMEOUT_S=300 BUILD_TIMEOUT_S=900
readonly FIRST_PORT=16101 LAST_PORT=16199
PROFILES=${PROFILES:-10000}
INTERVAL_S=${INTERVAL_S:-30}
WARMUP_S=${WARMUP_S:-20}
WINDOW=${WINDOW:-30}
PHASES=${PHASES:-tcp,http}
BENCH_SECONDS=${BENCH_SECONDS:-10}
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
BENCH_CLIENTS=${BENCH_CLIENTS:-8}
BENCH_KEEP_TMP=${BENCH_KEEP_TMP:-0}
cd "$(dirname "$0")/../.."
REPO_ROOT=$PWD
# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh

is_positive "$PROFILES" || usage_error "PROFILES must be a positive integer"
is_positive "$INTERVAL_S" && ((INTERVAL_S >= 2)) || usage_error "INTERVAL_S must be an integer >= 2"
is_uint "$WARMUP_S" || usage_error "WARMUP_S must be a non-negative integer"
is_positive "$WINDOW" || usage_error "WINDOW must be a positive integer"
is_positive "$BENCH_SECONDS" || usage_error "BENCH_SECONDS must be a positive integer"
is_positive "$BENCH_ROUNDS" || usage_error "BENCH_ROUNDS must be a positive integer"
is_positive "$BENCH_CLIENTS" || usage_error "BENCH_CLIENTS must be a positive integer"
IFS=, read -r -a PHASE_LIST <<<"$PHASES"
((${#PHASE_LIST[@]} > 0)) || usage_error "PHASES must name tcp and/or http"
for phase in "${PHASE_LIST[@]}"; do
    [[ $phase == tcp || $phase == http ]] || usage_error "PHASES: unknown phase '$phase' (tcp, http)"
done
for tool in dnsperf dig python3 curl awk timeout; do
    command -v "$tool" >/dev/null 2>&1 || apt_install "$tool"
done

bench_workdir
readonly ZONE=tm.probe.test DNS_ADDR=127.0.61.1 ONE_ADDR=127.0.61.2
readonly REGIONS=(eastus westeurope eastasia) REGION_ADDR=(127.0.61.11 127.0.61.12 127.0.61.13)
next_free_port && DNS_PORT=$PORT
next_free_port && ONE_PORT=$PORT
next_free_port && ADMIN_PORT=$PORT
next_free_port && ONE_ADMIN_PORT=$PORT
next_free_port && TCP_PORT=$PORT
next_free_port && HTTP_PORT=$PORT
bench_router_bin

CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { # PID -> utime + stime in clock ticks (fields 14 and 15; the command name may hold spaces)
    local stat
    stat=$(<"/proc/$1/stat")
    stat=${stat##*) }
    awk '{ print $12 + $13 }' <<<"$stat"
}
answer() { # ADDR PORT NAME -> the first A record, or "-"
    local a
    a=$(dig +short +tries=1 +time=2 -p "$2" "@$1" "$3" A 2>/dev/null | head -n 1)
    printf '%s' "${a:--}"
}

# --- the listeners ------------------------------------------------------------------------------------------------
cat >"$WORK/listeners.py" <<'PY'
import selectors, socket, sys
addresses, tcp_port, http_port = sys.argv[1].split(","), int(sys.argv[2]), int(sys.argv[3])
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nok"
sel = selectors.DefaultSelector()
for address in addresses:
    for port, kind in ((tcp_port, "tcp"), (http_port, "http")):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((address, port))
        s.listen(4096)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, (kind, None))
print("listening", flush=True)
pending = {}
while True:
    for key, _ in sel.select():
        kind, buf = key.data
        sock = key.fileobj
        if buf is None:                       # a listener
            while True:
                try:
                    conn, _ = sock.accept()
                except (BlockingIOError, InterruptedError):
                    break
                if kind == "tcp":
                    conn.close()
                else:
                    conn.setblocking(False)
                    sel.register(conn, selectors.EVENT_READ, (kind, bytearray()))
            continue
        try:                                  # an HTTP connection: read the request head, answer 200, close
            data = sock.recv(4096)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            data = b""
        buf += data
        if data and b"\r\n\r\n" not in buf:
            continue
        sel.unregister(sock)
        try:
            if data:
                sock.sendall(RESPONSE)
        except OSError:
            pass
        sock.close()
PY
python3 "$WORK/listeners.py" "$(IFS=,; echo "${REGION_ADDR[*]}")" "$TCP_PORT" "$HTTP_PORT" >"$WORK/listeners.log" 2>&1 &
STARTED_PIDS+=($!)
for ((t = 0; t < 100; t++)); do
    grep -q listening "$WORK/listeners.log" 2>/dev/null && break
    sleep 0.1
done
grep -q listening "$WORK/listeners.log" || { cat "$WORK/listeners.log" >&2; die "the listeners did not start"; }

# --- configurations -----------------------------------------------------------------------------------------------
python3 - "$WORK" "$PROFILES" "$ZONE" "$INTERVAL_S" "$TCP_PORT" "$HTTP_PORT" \
    "$DNS_ADDR:$DNS_PORT" "http://$DNS_ADDR:$ADMIN_PORT" "$ONE_ADDR:$ONE_PORT" "http://$ONE_ADDR:$ONE_ADMIN_PORT" <<'PY'
import json, random, sys
work, n, zone, interval, tcp_port, http_port = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
many_dns, many_admin, one_dns, one_admin = sys.argv[7:11]
regions = [("eastus", "127.0.61.11", 10), ("westeurope", "127.0.61.12", 80), ("eastasia", "127.0.61.13", 190)]
monitors = {"tcp": {"Protocol": "Tcp", "Port": tcp_port},
            "http": {"Protocol": "Http", "Port": http_port, "Path": "/health"}}
def write(path, listen, admin, count, monitor):
    with open(path, "w") as f:
        f.write('{"Dns":{"Listen":["%s"],"Forwarding":{"Enabled":false}},"Admin":{"Listen":"%s"},' % (listen, admin))
        f.write('"TrafficManager":{"Zone":"%s",' % zone)
        f.write('"LatencyTable":[{"Network":"127.0.0.0/8","Latencies":%s}],"Profiles":[\n' % json.dumps({r: l for r, _, l in regions}))
        for i in range(count):
            m = dict(monitors[monitor], IntervalSeconds=interval, TimeoutSeconds=min(10, interval - 1))
            p = {"Name": f"p{i}", "RoutingMethod": "Performance", "Monitor": m,
                 "Endpoints": [{"Name": r, "Location": r, "Target": t} for r, t, _ in regions]}
            f.write(("," if i else "") + json.dumps(p, separators=(",", ":")) + "\n")
        f.write(']},"Logging":{"LogLevel":{"Default":"Warning"}}}\n')
for monitor in monitors:
    write(f"{work}/many-{monitor}.json", many_dns, many_admin, n, monitor)
write(f"{work}/one.json", one_dns, one_admin, 1, "tcp")
rnd = random.Random(12)
with open(f"{work}/many.txt", "w") as f:
    for _ in range(100000):
        f.write(f"p{rnd.randrange(n)}.{zone} A\n")
with open(f"{work}/one.txt", "w") as f:
    f.write(f"p0.{zone} A\n")
PY
"$ROUTER_BIN" validate --config "$WORK/many-tcp.json" >"$WORK/validate.log" 2>&1 || {
    tail -n 20 "$WORK/validate.log" >&2
    die "router validate refused the generated configuration$(keep_hint)"
}

start_router() { # CONFIG LOG -> PID in ROUTER_PID
    "$ROUTER_BIN" serve --config "$1" >"$2" 2>&1 &
    ROUTER_PID=$!
    STARTED_PIDS+=("$ROUTER_PID")
}
wait_answer() { # PID ADDR PORT NAME LOG: until NAME gets an address of ours (120 s at most)
    local t
    for ((t = 0; t < 1200; t++)); do
        [[ $(answer "$2" "$3" "$4") == 127.0.61.* ]] && return 0
        kill -0 "$1" 2>/dev/null || { tail -n 30 "$5" >&2; die "router serve ended before answering $4$(keep_hint)"; }
        sleep 0.1
    done
    die "no answer for $4 within 120 s$(keep_hint)"
}
probes_total() { # ADMIN_URL -> the router's router_tm_probes_total, summed over every series (overflow included)
    curl -fsS --max-time 120 "$1/metrics" | awk '/^router_tm_probes_total[{ ]/ { n += $NF } END { printf "%.0f", n }'
}

# --- one phase: start the many-profile router, measure the probing window -----------------------------------------
declare -A START_S HWM_KB PROBES WINDOW_S CPU_S PER_PROBE_US EXPECTED
MANY_PID=
run_phase() { # tcp|http: leaves the router running in MANY_PID
    local phase=$1 t0 c0 c1 w0 w1 s0 s1 p0 p1 rate
    local last=$((PROFILES - 1))
    t0=$(now)
    start_router "$WORK/many-$phase.json" "$WORK/router-many-$phase.log"
    MANY_PID=$ROUTER_PID
    wait_answer "$MANY_PID" "$DNS_ADDR" "$DNS_PORT" "p$last.$ZONE" "$WORK/router-many-$phase.log"
    START_S[$phase]=$(elapsed "$t0" "$(now)")
    log "$BENCH_NAME: $phase: first answer after ${START_S[$phase]} s; ${WARMUP_S} s warm-up, then a ${WINDOW} s window"
    sleep "$WARMUP_S"
    HWM_KB[$phase]=$(proc_kb "$MANY_PID" VmHWM) # before the scrapes, whose buffers would count in it
    # The scrapes at both ends cost CPU of their own (tens of MB of text at 30,000 endpoints), so the CPU window lies
    # between them, a second away from each, and the probe count is scaled to it from the rate between the scrapes'
    # starts (the exporter collects the counters when a scrape begins, and then writes for a while).
    s0=$(now); p0=$(probes_total "http://$DNS_ADDR:$ADMIN_PORT")
    sleep 1
    c0=$(cpu_ticks "$MANY_PID"); w0=$(now)
    sleep "$WINDOW"
    c1=$(cpu_ticks "$MANY_PID"); w1=$(now)
    sleep 1
    s1=$(now); p1=$(probes_total "http://$DNS_ADDR:$ADMIN_PORT")
    rate=$(awk -v p0="$p0" -v p1="$p1" -v a="$s0" -v b="$s1" 'BEGIN { printf "%.3f", (p1 - p0) / (b - a) }')
    WINDOW_S[$phase]=$(elapsed "$w0" "$w1")
    PROBES[$phase]=$(awk -v r="$rate" -v w="${WINDOW_S[$phase]}" 'BEGIN { printf "%.0f", r * w }')
    EXPECTED[$phase]=$(awk -v n="$PROFILES" -v i="$INTERVAL_S" -v w="${WINDOW_S[$phase]}" 'BEGIN { printf "%.0f", n * 3 / i * w }')
    CPU_S[$phase]=$(awk -v a="$c0" -v b="$c1" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", (b - a) / hz }')
    PER_PROBE_US[$phase]=$(awk -v c="${CPU_S[$phase]}" -v p="${PROBES[$phase]}" 'BEGIN { if (p > 0) printf "%.0f", c * 1e6 / p; else print "n/a" }')
    log "$BENCH_NAME: $phase: ${CPU_S[$phase]} s CPU for ${PROBES[$phase]} probes (expected ${EXPECTED[$phase]}): ${PER_PROBE_US[$phase]} us/probe"
}

stop_router() { # PID
    stop_pid "$1"
    wait "$1" 2>/dev/null || true
}

# --- DNS q/s, interleaved: many profiles (while probing) vs one profile -------------------------------------------
dnsperf_run() { # ADDR PORT QUERIES SECONDS OUT PID -> "q/s cpu_us_per_query"
    local c0 c1 rc=0
    c0=$(cpu_ticks "$6")
    timeout $(($4 + 30)) dnsperf -s "$1" -p "$2" -d "$3" -l "$4" -c "$BENCH_CLIENTS" >"$5" 2>&1 || rc=$?
    c1=$(cpu_ticks "$6")
    ((rc == 0)) || { tail -n 5 "$5" >&2; die "dnsperf failed ($5)"; }
    awk -v a="$c0" -v b="$c1" -v hz="$CLK_TCK" '/Queries completed:/ { q = $3 } /Queries per second:/ { r = $4 }
        END { printf "%s %.1f", r, (q > 0) ? (b - a) / hz * 1e6 / q : 0 }' "$5"
}

echo "machine: $(nproc) CPU(s), load average $(cut -d' ' -f1-3 /proc/loadavg) (at the start)"
MANY_QPS=() ONE_QPS=() MANY_CPQ=() ONE_CPQ=()
ONE_PID=
for phase in "${PHASE_LIST[@]}"; do
    run_phase "$phase"
    if [[ -z $ONE_PID ]]; then # DNS q/s while the first phase probes (tcp by default)
        start_router "$WORK/one.json" "$WORK/router-one.log"
        ONE_PID=$ROUTER_PID
        wait_answer "$ONE_PID" "$ONE_ADDR" "$ONE_PORT" "p0.$ZONE" "$WORK/router-one.log"
        QPS_PHASE=$phase
        for ((r = 1; r <= BENCH_ROUNDS; r++)); do
            read -r q c <<<"$(dnsperf_run "$DNS_ADDR" "$DNS_PORT" "$WORK/many.txt" "$BENCH_SECONDS" "$WORK/dnsperf-many-$r.txt" "$MANY_PID")"
            MANY_QPS+=("$q") MANY_CPQ+=("$c")
            read -r q c <<<"$(dnsperf_run "$ONE_ADDR" "$ONE_PORT" "$WORK/one.txt" "$BENCH_SECONDS" "$WORK/dnsperf-one-$r.txt" "$ONE_PID")"
            ONE_QPS+=("$q") ONE_CPQ+=("$c")
        done
        stop_router "$ONE_PID"
    fi
    stop_router "$MANY_PID"
done

# --- report -------------------------------------------------------------------------------------------------------
echo "Per-profile probing: $PROFILES Performance profiles x 3 endpoints, IntervalSeconds $INTERVAL_S ($((PROFILES * 3 / INTERVAL_S)) probes/s expected)"
echo "machine: $(nproc) CPU(s), load average $(cut -d' ' -f1-3 /proc/loadavg) (at the end)"
pass=PASS
for phase in "${PHASE_LIST[@]}"; do
    label=$(tr '[:lower:]' '[:upper:]' <<<"$phase")
    echo "$label: start-up (first answer) ${START_S[$phase]} s, peak RSS $(mib "${HWM_KB[$phase]}") MiB (before the first /metrics scrape)"
    echo "$label: CPU per probe ${PER_PROBE_US[$phase]} us (${CPU_S[$phase]} s CPU over ${WINDOW_S[$phase]} s, ${PROBES[$phase]} probes counted, ${EXPECTED[$phase]} expected)"
    goal=$([[ $phase == tcp ]] && echo 50 || echo 150)
    awk -v v="${PER_PROBE_US[$phase]}" -v g="$goal" 'BEGIN { exit !(v != "n/a" && v <= g) }' || pass=FAIL
done
if ((${#MANY_QPS[@]} > 0)); then
    MANY_MED=$(median "${MANY_QPS[@]}") ONE_MED=$(median "${ONE_QPS[@]}")
    MANY_CPQ_MED=$(median "${MANY_CPQ[@]}") ONE_CPQ_MED=$(median "${ONE_CPQ[@]}")
    echo "DNS q/s profile names while probing ($QPS_PHASE): $MANY_MED vs one profile $ONE_MED (median of $BENCH_ROUNDS): $(ratio "$MANY_MED" "$ONE_MED")x"
    echo "DNS CPU per query: $MANY_CPQ_MED us vs one profile $ONE_CPQ_MED us: $(ratio "$MANY_CPQ_MED" "$ONE_CPQ_MED")x"
    awk -v a="$MANY_MED" -v b="$ONE_MED" 'BEGIN { exit !(b > 0 && a / b >= 0.8) }' || pass=FAIL
fi
echo "$pass (informational): <= 50 us CPU per TCP probe, <= 150 us per HTTP probe, profile names >= 0.8x the one-profile q/s"
