#!/usr/bin/env bash
# Health monitor at scale: Router loads a topology of HEALTH_REGISTRIES registries over HEALTH_RESOURCES resources
# (load time and memory are printed), then wrk measures GET /health/registries/{random name} against a bare Kestrel
# endpoint returning a constant 200 (tests/bench/KestrelBaseline), interleaved A B A B, in the same run. A script,
# not a test: the PASS/FAIL line at the end is informational, and the exit code is non-zero only when something
# broke (build, start-up, wrong answers, wrk failure). Loopback (127.0.0.1) traffic only. See tests/bench/README.md.
#
# Environment:
#   HEALTH_REGISTRIES     registries in the generated topology (reg-0 … reg-N-1)                 [1000000]
#   HEALTH_RESOURCES      resources, spread over the five kinds (at least 5)                      [5000]
#   HEALTH_SECONDS        wrk -d per measured run                                                  [10]
#   HEALTH_ROUNDS         interleaved rounds; medians are taken over them                          [3]
#   HEALTH_THREADS        wrk -t                                                                   [2]
#   HEALTH_CONNECTIONS    wrk -c                                                                   [32]
#   HEALTH_WARMUP         seconds of unrecorded load per server before round 1 (JIT, caches)       [3]
#   HEALTH_LOAD_TIMEOUT   seconds Router may take to load the topology and answer (and `router validate` to run) [900]
#   HEALTH_VALIDATE       1 = also time `router validate --config FILE` on the generated file; 0 = skip it [1]
#   HEALTH_FORMAT         file = registries in Health:RegistriesFile (JSON Lines beside the config);
#                         inline = in Health:Registries (the old format, for comparison)                   [file]
#   ROUTER_BIN            Router executable; when set, Router is not built                        [build src/Router.Cli in Release]
#   HEALTH_KEEP_TMP       1 = keep the temporary directory (config, logs, wrk output) for inspection
set -euo pipefail
export LC_ALL=C # decimal points in $EPOCHREALTIME, awk and printf

readonly FIRST_PORT=15401
readonly LAST_PORT=15499
readonly STARTUP_TIMEOUT_S=60
readonly BUILD_TIMEOUT_S=900
readonly INSTALL_TIMEOUT_S=600
readonly STOP_TIMEOUT_S=10
readonly INTERVAL_S=30 # Health:Evaluation:IntervalSeconds: 5,000 probes per 30 s stay far off the answer path
readonly FS_DIRS=8     # Storage resources share this many Filesystem-check directories
readonly FLOOR=0.8     # from the issue: Router req/s >= 0.8 x the bare Kestrel endpoint's
readonly LOAD_GOAL_S=10        # issue 12: first answer and `router validate` each under 10 s
readonly PEAK_GOAL_MIB=1024    # issue 12: peak RSS under 1 GB
readonly AFTER_LOAD_GOAL_MIB=400 # issue 12: RSS after load under 400 MB

HEALTH_REGISTRIES=${HEALTH_REGISTRIES:-1000000}
HEALTH_RESOURCES=${HEALTH_RESOURCES:-5000}
HEALTH_SECONDS=${HEALTH_SECONDS:-10}
HEALTH_ROUNDS=${HEALTH_ROUNDS:-3}
HEALTH_THREADS=${HEALTH_THREADS:-2}
HEALTH_CONNECTIONS=${HEALTH_CONNECTIONS:-32}
HEALTH_WARMUP=${HEALTH_WARMUP:-3}
HEALTH_LOAD_TIMEOUT=${HEALTH_LOAD_TIMEOUT:-900}
HEALTH_VALIDATE=${HEALTH_VALIDATE:-1}
HEALTH_KEEP_TMP=${HEALTH_KEEP_TMP:-0}
HEALTH_FORMAT=${HEALTH_FORMAT:-file}

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
readonly BASELINE_PROJECT=tests/bench/KestrelBaseline/KestrelBaseline.csproj
readonly BASELINE_BIN=$REPO_ROOT/tests/bench/KestrelBaseline/bin/Release/net10.0/KestrelBaseline

BENCH_NAME=health-scale
BENCH_KEEP_VAR=HEALTH_KEEP_TMP
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$SCRIPT_DIR/lib.sh"
at_least() { [[ $1 =~ ^[0-9]+$ ]] && ((10#$1 >= $2)); } # VALUE MIN
is_positive "$HEALTH_REGISTRIES" || usage_error "HEALTH_REGISTRIES must be a positive integer"
at_least "$HEALTH_RESOURCES" 5 || usage_error "HEALTH_RESOURCES must be an integer >= 5 (one per kind at least)"
is_positive "$HEALTH_SECONDS" || usage_error "HEALTH_SECONDS must be a positive integer"
is_positive "$HEALTH_ROUNDS" || usage_error "HEALTH_ROUNDS must be a positive integer"
is_positive "$HEALTH_THREADS" || usage_error "HEALTH_THREADS must be a positive integer"
is_positive "$HEALTH_CONNECTIONS" || usage_error "HEALTH_CONNECTIONS must be a positive integer"
((10#$HEALTH_CONNECTIONS >= 10#$HEALTH_THREADS)) || usage_error "HEALTH_CONNECTIONS must be >= HEALTH_THREADS (wrk)"
is_uint "$HEALTH_WARMUP" || usage_error "HEALTH_WARMUP must be a non-negative integer"
is_positive "$HEALTH_LOAD_TIMEOUT" || usage_error "HEALTH_LOAD_TIMEOUT must be a positive integer"
[[ $HEALTH_VALIDATE == [01] ]] || usage_error "HEALTH_VALIDATE must be 0 or 1"
[[ $HEALTH_FORMAT == file || $HEALTH_FORMAT == inline ]] || usage_error "HEALTH_FORMAT must be file or inline"
# Normalise (no leading zeros) for arithmetic and for the names in the topology.
HEALTH_REGISTRIES=$((10#$HEALTH_REGISTRIES)) HEALTH_RESOURCES=$((10#$HEALTH_RESOURCES))

# --- processes and temp dir, cleaned up on any exit -----------------------------------------------------------

bench_workdir


# --- tools --------------------------------------------------------------------------------------------------------


missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
((${#missing[@]} == 0)) || apt_install "${missing[@]}"
for tool in wrk curl python3 dotnet getconf timeout awk; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
CLK_TCK=$(getconf CLK_TCK)

# --- ports --------------------------------------------------------------------------------------------------------


# --- small helpers ------------------------------------------------------------------------------------------------

now() { printf '%s' "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; } # START END -> seconds
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }            # kB -> MiB

proc_kb() { # PID FIELD -> value in kB from /proc/PID/status (VmRSS, VmHWM, RssAnon), or 0
    awk -v f="$2:" '$1 == f { print $2; found = 1 } END { if (!found) print 0 }' "/proc/$1/status" 2>/dev/null || echo 0
}

cpu_ticks() { # PID -> "utime stime" (fields 14 and 15 of /proc/PID/stat), in clock ticks
    local stat rest
    stat=$(<"/proc/$1/stat") || return 1
    rest=${stat##*) } # drop "pid (comm) ", comm may contain spaces; rest starts at field 3
    read -r -a f <<<"$rest"
    echo "${f[11]} ${f[12]}"
}
cpu_total() { # PID -> utime + stime in ticks
    local u s
    read -r u s < <(cpu_ticks "$1") || return 1
    echo $((u + s))
}

proc_state() { # PID -> "CPU x s user, y s system, VmRSS a MiB, VmHWM b MiB" (for reports on a slow load)
    local u s
    read -r u s < <(cpu_ticks "$1") || { echo "(process gone)"; return 0; }
    awk -v u="$u" -v s="$s" -v hz="$CLK_TCK" -v r="$(proc_kb "$1" VmRSS)" -v h="$(proc_kb "$1" VmHWM)" \
        'BEGIN { printf "CPU %.1f s user, %.1f s system, VmRSS %.0f MiB, VmHWM %.0f MiB", u / hz, s / hz, r / 1024, h / 1024 }'
}

http_get() { # URL OUTFILE -> prints the status code (000 when there is no answer)
    curl -s -o "$2" -w '%{http_code}' --max-time 5 "$1" 2>/dev/null || true
}

run_bounded() { # SECONDS LOGFILE CMD...: run in the background (so the trap can stop it), wait, return its exit code
    local secs=$1 out=$2 pid rc=0
    shift 2
    timeout "$secs" "$@" >"$out" 2>&1 &
    pid=$!
    STARTED_PIDS+=("$pid")
    wait "$pid" || rc=$?
    return "$rc"
}

build() { # PROJECT DESCRIPTION (PROJECT relative to the repository root, which is the working directory)
    log "health-scale: building $2 (Release): dotnet build -c Release $1"
    local rc=0
    # --disable-build-servers: leave no MSBuild/compiler server processes behind.
    run_bounded "$BUILD_TIMEOUT_S" "$WORK/build.log" env DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 \
        dotnet build -c Release --disable-build-servers "$1" || rc=$?
    if ((rc != 0)); then
        ((rc != 124)) || log "health-scale: the build took longer than ${BUILD_TIMEOUT_S}s"
        grep -E 'error [A-Z]+[0-9]+' "$WORK/build.log" | sort -u | tail -n 20 >&2 || tail -n 20 "$WORK/build.log" >&2
        die "$2 build failed (dotnet build -c Release $1)"
    fi
}

# --- build --------------------------------------------------------------------------------------------------------

if [[ -z ${ROUTER_BIN:-} ]]; then
    build src/Router.Cli/Router.Cli.csproj Router
    ROUTER_BIN=$REPO_ROOT/src/Router.Cli/bin/Release/net10.0/router
fi
[[ -x $ROUTER_BIN ]] || die "Router executable not found or not executable: $ROUTER_BIN"
build "$BASELINE_PROJECT" "the Kestrel baseline"
[[ -x $BASELINE_BIN ]] || die "baseline executable not found after the build: $BASELINE_BIN"

# --- the topology ---------------------------------------------------------------------------------------------------

next_free_port
ROUTER_PORT=$PORT
next_free_port
BASE_PORT=$PORT
next_free_port
SINK_PORT=$PORT
CONFIG=$WORK/health.json
REGISTRIES_FILE=$WORK/registries.jsonl
mkdir -p "$WORK/fs"

# The target of the Tcp checks: a listener of its own that accepts and closes, so the probes' server side does not
# land on either server under test (pointed at Router's own health listener, 4,000 connections per interval would
# be accepted by the very Kestrel being measured, a cost a real dependency carries, not the monitor).
log "health-scale: starting the Tcp-check target on 127.0.0.1:$SINK_PORT"
python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(4096)
while True:
    c, _ = s.accept()
    c.close()' "$SINK_PORT" >"$WORK/tcp-target.log" 2>&1 &
SINK_PID=$!
STARTED_PIDS+=("$SINK_PID")
deadline=$((SECONDS + STARTUP_TIMEOUT_S))
until port_in_use "$SINK_PORT"; do
    kill -0 "$SINK_PID" 2>/dev/null || die "the Tcp-check target exited: $(head -c 300 "$WORK/tcp-target.log")"
    ((SECONDS < deadline)) || die "the Tcp-check target did not listen within ${STARTUP_TIMEOUT_S}s"
    sleep 0.1
done

# Resources: HEALTH_RESOURCES split evenly over Storage (st-i), Cache (ca-i), Auth (au-i), Container (co-i) and
# Metadata (md-i). Storage is a Filesystem check on one of FS_DIRS temp dirs; the others are Tcp checks against
# the target above: real probes, cheap and healthy. Registry reg-n names one resource of each of
# Storage, Cache, Auth and Container, and one Metadata resource when n is even, picked by fixed arithmetic on n
# (deterministic, every resource used). One registry per line keeps the file greppable. HEALTH_FORMAT=file writes the
# registries to a JSON Lines file named by Health:RegistriesFile (relative to the config); inline, into the JSON.
log "health-scale: writing $HEALTH_REGISTRIES registries over $HEALTH_RESOURCES resources to $CONFIG" \
    "$([[ $HEALTH_FORMAT == file ]] && echo "and $REGISTRIES_FILE" || echo "(inline)")"
t_gen=$(now)
python3 - "$CONFIG" "$HEALTH_REGISTRIES" "$HEALTH_RESOURCES" "$ROUTER_PORT" "$SINK_PORT" "$WORK/fs" "$FS_DIRS" "$INTERVAL_S" \
    "$([[ $HEALTH_FORMAT == file ]] && echo "$REGISTRIES_FILE" || echo -)" <<'PY'
import json, os, sys

path, registries, resources, port, sink, fs_root, fs_dirs, interval, registries_file = sys.argv[1:]
registries, resources, port, sink, fs_dirs, interval = (int(registries), int(resources), int(port), int(sink),
                                                         int(fs_dirs), int(interval))
kinds = [("Storage", "st"), ("Cache", "ca"), ("Auth", "au"), ("Container", "co"), ("Metadata", "md")]
counts = [resources // 5 + (1 if k < resources % 5 else 0) for k in range(5)]
for d in range(fs_dirs):
    os.makedirs(os.path.join(fs_root, str(d)), exist_ok=True)

with open(path, "w", encoding="utf-8", buffering=1 << 20) as f:
    head = {
        "Region": "bench",
        "Listen": f"http://127.0.0.1:{port}",
        "Evaluation": {"IntervalSeconds": interval, "TimeoutSeconds": 3, "StaleAfterSeconds": 4 * interval,
                       "FailuresToUnhealthy": 3, "SuccessesToHealthy": 2, "MaxConcurrentChecks": 64},
    }
    f.write('{"Health":' + json.dumps(head)[:-1] + ',\n"Resources":[\n')
    lines = []
    for k, (kind, prefix) in enumerate(kinds):
        for i in range(counts[k]):
            if kind == "Storage":
                check = {"Type": "Filesystem", "Path": os.path.join(fs_root, str(i % fs_dirs))}
            else:
                check = {"Type": "Tcp", "Endpoint": f"127.0.0.1:{sink}"}
            lines.append(json.dumps({"Id": f"{prefix}-{i}", "Kind": kind, "Check": check}, separators=(",", ":")))
    f.write(",\n".join(lines))
    st, ca, au, co, md = counts

    def registry(n):
        line = (f'{{"Name":"reg-{n}","Storage":"st-{n % st}","Cache":"ca-{(7 * n + 1) % ca}",'
                f'"Auth":"au-{(13 * n + 2) % au}","Container":"co-{(17 * n + 3) % co}"')
        if n % 2 == 0:
            line += f',"Metadata":"md-{(19 * (n // 2) + 4) % md}"'
        return line + "}"

    if registries_file != "-":
        f.write('\n],\n"RegistriesFile":' + json.dumps(os.path.basename(registries_file)) + '}}\n')
        with open(registries_file, "w", encoding="utf-8", buffering=1 << 20) as r:
            r.write("# generated by tests/bench/health-scale.sh: one registry per line\n")
            for start in range(0, registries, 10000):
                r.write("".join(registry(n) + "\n" for n in range(start, min(start + 10000, registries))))
    else:
        f.write('\n],\n"Registries":[\n')
        for start in range(0, registries, 10000):
            if start:
                f.write(",\n")
            f.write(",\n".join(registry(n) for n in range(start, min(start + 10000, registries))))
        f.write("\n]}}\n")
PY
t_gen_end=$(now)
CONFIG_BYTES=$(stat -c %s "$CONFIG")
[[ $HEALTH_FORMAT == inline ]] || CONFIG_BYTES=$((CONFIG_BYTES + $(stat -c %s "$REGISTRIES_FILE")))
CONFIG_MIB=$(awk -v b="$CONFIG_BYTES" 'BEGIN { printf "%.1f", b / 1048576 }')
log "health-scale: config written: $CONFIG_MIB MiB ($CONFIG_BYTES bytes) in $(elapsed "$t_gen" "$t_gen_end") s"

# What a process killed while loading is measured against (see exit_cause in lib.sh).
OOM_KILLS_AT_START=$(oom_kills)
MEM_AT_START_MIB=$(mem_available_mib)
log "health-scale: MemAvailable $MEM_AT_START_MIB MiB, kernel OOM kills so far: $OOM_KILLS_AT_START"

# --- router validate (optional): the same load and validation as serve, without hosting ---------------------------

children_cpu() { # -> user + system seconds of the children this shell has waited for (bash `times`, second line)
    times >"$WORK/times.txt" # redirected, not piped: `times` in a subshell would report the subshell's children
    awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); t += p[1] * 60 + p[2] }; printf "%.2f", t }' "$WORK/times.txt"
}
VALIDATE_S=n/a VALIDATE_HWM_KB=0 VALIDATE_CPU_S=n/a
if [[ $HEALTH_VALIDATE == 1 ]]; then
    cpu_before=$(children_cpu)
    log "health-scale: router validate --config $CONFIG (at most ${HEALTH_LOAD_TIMEOUT}s)"
    t_val=$(now)
    "$ROUTER_BIN" validate --config "$CONFIG" >"$WORK/validate.log" 2>&1 &
    vpid=$!
    STARTED_PIDS+=("$vpid")
    deadline=$((SECONDS + HEALTH_LOAD_TIMEOUT))
    while kill -0 "$vpid" 2>/dev/null; do # sample the peak RSS while it runs: VmHWM is gone once it exits
        hwm=$(proc_kb "$vpid" VmHWM)
        ((hwm <= VALIDATE_HWM_KB)) || VALIDATE_HWM_KB=$hwm
        if ((SECONDS >= deadline)); then
            state="$(proc_state "$vpid")"
            stop_pid "$vpid"
            die "router validate did not finish within ${HEALTH_LOAD_TIMEOUT}s (HEALTH_LOAD_TIMEOUT); by then $state"
        fi
        sleep 0.2
    done
    vrc=0
    wait "$vpid" || vrc=$?
    VALIDATE_S=$(elapsed "$t_val" "$(now)")
    VALIDATE_CPU_S=$(elapsed "$cpu_before" "$(children_cpu)")
    if ((vrc > 128)); then
        tail -n 20 "$WORK/validate.log" >&2
        die "router validate did not finish: $(exit_cause "$vrc" "$OOM_KILLS_AT_START"); peak RSS sampled" \
            "$(mib "$VALIDATE_HWM_KB") MiB, MemAvailable now $(mem_available_mib) MiB (at start $MEM_AT_START_MIB MiB)"
    elif ((vrc != 0)); then
        head -n 20 "$WORK/validate.log" >&2
        die "router validate rejected the generated config (exit $vrc)"
    fi
    log "health-scale: router validate: $(grep -m 1 ': valid$' "$WORK/validate.log" || tail -n 1 "$WORK/validate.log") in $VALIDATE_S s, peak RSS $(mib "$VALIDATE_HWM_KB") MiB"
fi

# --- start Router and time the load ---------------------------------------------------------------------------------

ROUTER_URL=http://127.0.0.1:$ROUTER_PORT
BASE_URL=http://127.0.0.1:$BASE_PORT
LAST_REG=reg-$((HEALTH_REGISTRIES - 1))
ROUTER_LOG=$WORK/router.log
RSS_TRACE=$WORK/router-rss.txt

log "health-scale: starting router serve on $ROUTER_URL (at most ${HEALTH_LOAD_TIMEOUT}s to load)"
t_start=$(now)
"$ROUTER_BIN" serve --config "$CONFIG" >"$ROUTER_LOG" 2>&1 &
ROUTER_PID=$!
STARTED_PIDS+=("$ROUTER_PID")

T_LIVE="" T_REG=""
: >"$RSS_TRACE"
deadline=$((SECONDS + HEALTH_LOAD_TIMEOUT))
next_sample=0
while [[ -z $T_REG ]]; do
    kill -0 "$ROUTER_PID" 2>/dev/null || {
        # A process that dies without a word was killed: say by what, from its wait status and the kernel's OOM count.
        rrc=0
        wait "$ROUTER_PID" || rrc=$?
        tail -n 20 "$ROUTER_LOG" >&2
        die "router exited while loading: $(exit_cause "$rrc" "$OOM_KILLS_AT_START"); last sampled RSS" \
            "$(tail -n 1 "$RSS_TRACE" | awk '{ printf "%.0f MiB at %s s", $2 / 1024, $1 }'), MemAvailable now $(mem_available_mib) MiB" \
            "(at start $MEM_AT_START_MIB MiB); $(wc -l <"$ROUTER_LOG") log line(s); see $ROUTER_LOG$(keep_hint)"
    }
    ((SECONDS < deadline)) || die "router did not answer within ${HEALTH_LOAD_TIMEOUT}s (HEALTH_LOAD_TIMEOUT); by then" \
        "$(proc_state "$ROUTER_PID"), /health/live $([[ -n $T_LIVE ]] && echo answered || echo 'not answering')," \
        "last log line: '$(tail -n 1 "$ROUTER_LOG" | cut -c 1-160)'; see $ROUTER_LOG$(keep_hint)"
    t=$(now)
    if awk -v t="$t" -v n="$next_sample" 'BEGIN { exit !(t >= n) }'; then # RSS every 0.5 s, for the timeline
        printf '%s %s\n' "$(elapsed "$t_start" "$t")" "$(proc_kb "$ROUTER_PID" VmRSS)" >>"$RSS_TRACE"
        next_sample=$(awk -v t="$t" 'BEGIN { printf "%.3f", t + 0.5 }')
    fi
    if [[ -z $T_LIVE ]]; then
        code=$(http_get "$ROUTER_URL/health/live" /dev/null)
        [[ $code != 200 ]] || T_LIVE=$(now)
    fi
    if [[ -n $T_LIVE ]]; then
        code=$(http_get "$ROUTER_URL/health/registries/$LAST_REG" "$WORK/first-answer.json")
        [[ $code == 000 ]] || T_REG=$(now) # any answer from the registry endpoint: 200, 503 or 404 (checked below)
    fi
    [[ -n $T_REG ]] || sleep 0.1
done
LOAD_LIVE_S=$(elapsed "$t_start" "$T_LIVE")
LOAD_REG_S=$(elapsed "$t_start" "$T_REG")
read -r LOAD_UTIME LOAD_STIME < <(cpu_ticks "$ROUTER_PID")
LOAD_RSS_KB=$(proc_kb "$ROUTER_PID" VmRSS)
LOAD_HWM_KB=$(proc_kb "$ROUTER_PID" VmHWM)
LOAD_ANON_KB=$(proc_kb "$ROUTER_PID" RssAnon)
LOAD_THREADS=$(awk '$1 == "Threads:" { print $2 }' "/proc/$ROUTER_PID/status")
printf '%s %s\n' "$LOAD_REG_S" "$LOAD_RSS_KB" >>"$RSS_TRACE"

# Router's console log has UTC time-of-day stamps (HH:MM:SS.fff): place its milestones on the same clock.
log_offset() { # PATTERN -> seconds from process start to the first log line matching PATTERN, or "-"
    awk -v t0="$t_start" -v pat="$1" '
        BEGIN { d0 = t0 % 86400 }
        $0 ~ pat && $1 ~ /^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]/ {
            split($1, p, ":"); d = p[1] * 3600 + p[2] * 60 + p[3]
            printf "%.2f", (d - d0 + 86400) % 86400; found = 1; exit
        }
        END { if (!found) printf "-" }' "$ROUTER_LOG"
}
LOG_LISTENING=$(log_offset 'Now listening on')
LOG_MONITOR=$(log_offset 'Health monitor for region')
RSS_TIMELINE=$(awk ' # at most 12 evenly spaced samples, always the first and the last
    { t[NR] = $1; r[NR] = $2 }
    END { last = 0
          for (k = 0; k < 12; k++) {
              j = 1 + int(k * (NR - 1) / 11 + 0.5)
              if (j == last) continue
              printf "%s%ss %.0f", (last ? ", " : ""), t[j], r[j] / 1024; last = j
          } }' "$RSS_TRACE")

log "health-scale: router loaded: /health/live 200 after $LOAD_LIVE_S s, first registry answer after $LOAD_REG_S s"

# --- answers must be right before anything is measured ----------------------------------------------------------------

check_registry() { # NAME: 200 and the verdict JSON for that registry
    local code
    code=$(http_get "$ROUTER_URL/health/registries/$1" "$WORK/check.json")
    [[ $code == 200 ]] || die "router answered $code for /health/registries/$1 (want 200): $(head -c 300 "$WORK/check.json")"
    grep -q "\"registry\":\"$1\"" "$WORK/check.json" ||
        die "router's answer for $1 is not its verdict: $(head -c 300 "$WORK/check.json")"
}
check_registry reg-0
check_registry "$LAST_REG"
check_registry "reg-$((HEALTH_REGISTRIES / 2))"
code=$(http_get "$ROUTER_URL/health/registries/reg-$HEALTH_REGISTRIES" "$WORK/check404.json")
[[ $code == 404 ]] || die "router answered $code for reg-$HEALTH_REGISTRIES, one past the topology (want 404)"
log "health-scale: router answers checked: reg-0, reg-$((HEALTH_REGISTRIES / 2)), $LAST_REG 200 with their verdicts; reg-$HEALTH_REGISTRIES 404"

log "health-scale: starting the Kestrel baseline on $BASE_URL"
"$BASELINE_BIN" "$BASE_URL" >"$WORK/baseline.log" 2>&1 &
BASE_PID=$!
STARTED_PIDS+=("$BASE_PID")
deadline=$((SECONDS + STARTUP_TIMEOUT_S))
until [[ $(http_get "$BASE_URL/health/registries/reg-0" "$WORK/base.json") == 200 ]]; do
    kill -0 "$BASE_PID" 2>/dev/null || die "the baseline exited; see $WORK/baseline.log$(keep_hint)"
    ((SECONDS < deadline)) || die "the baseline did not answer 200 within ${STARTUP_TIMEOUT_S}s"
    sleep 0.1
done
BASE_BODY_BYTES=$(stat -c %s "$WORK/base.json")
log "health-scale: baseline answers 200 ($BASE_BODY_BYTES-byte body)"

# Steady state: every resource probed once (before that, verdicts are fail-open "no result yet", with longer bodies).
# The first probes are spread over one interval from the monitor's start; allow that plus a timeout and some slack.
resource_states() { # -> "healthy unhealthy unknown stale" from /health/resources
    http_get "$ROUTER_URL/health/resources" "$WORK/resources.json" >/dev/null
    python3 -c '
import json, sys
try:
    r = json.load(open(sys.argv[1]))["resources"]
except Exception:
    print("0 0 0 0"); sys.exit()
s = [x["state"] for x in r]
print(s.count("Healthy"), s.count("Unhealthy"), s.count("Unknown"), sum(1 for x in r if x["stale"]))' "$WORK/resources.json"
}
probe_deadline=$(awk -v t="$T_REG" -v i="$INTERVAL_S" 'BEGIN { printf "%.0f", t + i + 15 }')
while :; do
    read -r n_healthy n_unhealthy n_unknown n_stale < <(resource_states)
    ((n_unknown > 0)) || break
    if (($(printf '%.0f' "$(now)") >= probe_deadline)); then
        log "health-scale: WARNING: $n_unknown resource(s) still Unknown $((INTERVAL_S + 15))s after start-up; measuring anyway"
        break
    fi
    sleep 1
done
log "health-scale: resources: $n_healthy Healthy, $n_unhealthy Unhealthy, $n_unknown Unknown, $n_stale stale"
((n_unhealthy == 0)) || log "health-scale: WARNING: Unhealthy resources make some registries answer 503 (counted as non-2xx by wrk)"
# Verdict sizes now that probes have results: reg-0 names five resources (Metadata too), reg-1 four.
http_get "$ROUTER_URL/health/registries/reg-0" "$WORK/body5.json" >/dev/null
ROUTER_BODY_BYTES=$(stat -c %s "$WORK/body5.json")
if ((HEALTH_REGISTRIES > 1)); then
    http_get "$ROUTER_URL/health/registries/reg-1" "$WORK/body4.json" >/dev/null
    ROUTER_BODY_BYTES="$(stat -c %s "$WORK/body4.json")-$ROUTER_BODY_BYTES"
fi

# Idle cost: CPU Router spends with no requests (probes, timers, the config watcher), over 5 s.
idle_cpu() { # PID -> percent of one core over 5 s
    local a b
    a=$(cpu_total "$1") || return 1
    sleep 5
    b=$(cpu_total "$1") || return 1
    awk -v d=$((b - a)) -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", 100 * d / hz / 5 }'
}
IDLE_ROUTER=$(idle_cpu "$ROUTER_PID") || die "router is gone"
IDLE_BASE=$(idle_cpu "$BASE_PID") || die "the baseline is gone"
log "health-scale: idle CPU over 5 s: router $IDLE_ROUTER %, baseline $IDLE_BASE % of one core"
SINK_T0=$(cpu_total "$SINK_PID") || die "the Tcp-check target is gone"
SINK_S0=$SECONDS

# --- measurement ------------------------------------------------------------------------------------------------

LUA=$WORK/random-registry.lua
cat >"$LUA" <<'LUA'
-- GET /health/registries/reg-<random n in 0..N-1> per request; N is the script argument (wrk ... -- N).
local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("thread_id", threads)
end
function init(args)
    registries = tonumber(args[1]) or 1
    math.randomseed(7919 * (thread_id or 1))
end
function request()
    return wrk.format("GET", "/health/registries/reg-" .. math.random(0, registries - 1))
end
LUA

declare -A URL_OF=([router]=$ROUTER_URL [baseline]=$BASE_URL)
declare -A PID_OF=([router]=$ROUTER_PID [baseline]=$BASE_PID)
SERVERS=(router baseline)

run_wrk() { # SERVER SECONDS OUTFILE
    local s=$1 secs=$2 out=$3 rc=0
    run_bounded $((secs + 30)) "$out" wrk -t"$HEALTH_THREADS" -c"$HEALTH_CONNECTIONS" -d"${secs}s" --latency \
        -s "$LUA" "${URL_OF[$s]}" -- "$HEALTH_REGISTRIES" || rc=$?
    if ((rc != 0)); then
        tail -n 20 "$out" >&2 || true
        die "wrk against $s failed (exit $rc)"
    fi
    kill -0 "${PID_OF[$s]}" 2>/dev/null || die "$s exited during the benchmark; see $WORK$(keep_hint)"
}

# wrk output -> "requests rps p99_ms non2xx socket_errors"
parse_wrk() {
    awk '
        function ms(v) {
            if (v ~ /us$/) return v * 0.001
            if (v ~ /ms$/) return v + 0
            if (v ~ /m$/) return v * 60000
            if (v ~ /s$/) return v * 1000
            return v + 0
        }
        / requests in /         { reqs = $1 }
        /^ *99%/                { p99 = ms($2) }
        /Non-2xx or 3xx/        { non2xx = $NF }
        /Socket errors:/        { gsub(/,/, ""); errs = $4 + $6 + $8 + $10 }
        /^Requests\/sec:/       { rps = $2 }
        END { if (rps == "" || reqs == "") exit 1; printf "%d %s %.3f %d %d\n", reqs, rps, p99, non2xx, errs }' "$1"
}

if ((HEALTH_WARMUP > 0)); then
    for s in "${SERVERS[@]}"; do
        log "health-scale: warm-up ${HEALTH_WARMUP}s on $s (not recorded)"
        run_wrk "$s" "$HEALTH_WARMUP" "$WORK/warmup-$s.txt"
    done
fi

declare -A RPS_LIST P99_LIST CPU_LIST BAD_SUM REQ_SUM
for s in "${SERVERS[@]}"; do
    RPS_LIST[$s]="" P99_LIST[$s]="" CPU_LIST[$s]="" BAD_SUM[$s]=0 REQ_SUM[$s]=0
done

log "health-scale: $HEALTH_ROUNDS round(s) x ${HEALTH_SECONDS}s per server, wrk -t$HEALTH_THREADS -c$HEALTH_CONNECTIONS, order: ${SERVERS[*]}"
for ((round = 1; round <= HEALTH_ROUNDS; round++)); do
    for s in "${SERVERS[@]}"; do
        out=$WORK/wrk-$s-$round.txt
        c0=$(cpu_total "${PID_OF[$s]}") || die "$s is gone"
        run_wrk "$s" "$HEALTH_SECONDS" "$out"
        c1=$(cpu_total "${PID_OF[$s]}") || die "$s is gone"
        stats=$(parse_wrk "$out") || {
            cat "$out" >&2
            die "could not read wrk's statistics for $s"
        }
        read -r reqs rps p99 non2xx errs <<<"$stats"
        ((reqs > 0)) || die "$s answered no requests in round $round"
        cpu_us=$(awk -v d=$((c1 - c0)) -v hz="$CLK_TCK" -v n="$reqs" 'BEGIN { printf "%.2f", d * 1e6 / hz / n }')
        RPS_LIST[$s]+="$rps "
        P99_LIST[$s]+="$p99 "
        CPU_LIST[$s]+="$cpu_us "
        BAD_SUM[$s]=$((BAD_SUM[$s] + non2xx + errs))
        REQ_SUM[$s]=$((REQ_SUM[$s] + reqs))
        printf 'round %d/%d %-8s %10.0f req/s  p99 %8.2f ms  %7.2f us CPU/request  non-2xx %d  socket errors %d\n' \
            "$round" "$HEALTH_ROUNDS" "$s" "$rps" "$p99" "$cpu_us" "$non2xx" "$errs"
    done
done

SINK_CPU=$(awk -v d=$(($(cpu_total "$SINK_PID") - SINK_T0)) -v hz="$CLK_TCK" -v t=$((SECONDS - SINK_S0)) \
    'BEGIN { printf "%.1f", (t > 0 ? 100 * d / hz / t : 0) }')
END_RSS_KB=$(proc_kb "$ROUTER_PID" VmRSS)
END_HWM_KB=$(proc_kb "$ROUTER_PID" VmHWM)
BASE_RSS_KB=$(proc_kb "$BASE_PID" VmRSS)

# --- summary ----------------------------------------------------------------------------------------------------

median() { # numbers... -> median
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'; }

declare -A MED_RPS MED_P99 MED_CPU
declare -A DISPLAY=([router]=Router [baseline]=Kestrel)
echo
echo "Health scale: $HEALTH_REGISTRIES registries over $HEALTH_RESOURCES resources; config $CONFIG_MIB MiB ($HEALTH_FORMAT)"
echo "machine load:     $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the end; wall-clock figures stretch with it, CPU figures do not"
echo "machine: $(nproc) CPU(s), $(uname -r); $(wrk -v 2>&1 | head -n 1 | awk '{ print $1, $2 }'); dotnet $(dotnet --version 2>/dev/null || echo '?')"
[[ $HEALTH_VALIDATE == 0 ]] ||
    echo "router validate:  $VALIDATE_S s ($VALIDATE_CPU_S s CPU), peak RSS $(mib "$VALIDATE_HWM_KB") MiB"
echo "router load:      /health/live 200 after $LOAD_LIVE_S s; first registry answer after $LOAD_REG_S s" \
    "(log: listening at ${LOG_LISTENING} s, monitor started at ${LOG_MONITOR} s)"
echo "  CPU during load: $(awk -v u="$LOAD_UTIME" -v s="$LOAD_STIME" -v hz="$CLK_TCK" 'BEGIN { printf "%.1f s user, %.1f s system", u / hz, s / hz }'), $LOAD_THREADS threads"
echo "  RSS timeline (s MiB): $RSS_TIMELINE"
echo "router memory:    after load VmRSS $(mib "$LOAD_RSS_KB") MiB (anon $(mib "$LOAD_ANON_KB") MiB), VmHWM $(mib "$LOAD_HWM_KB") MiB;" \
    "after the benchmark VmRSS $(mib "$END_RSS_KB") MiB, VmHWM $(mib "$END_HWM_KB") MiB (baseline VmRSS $(mib "$BASE_RSS_KB") MiB)"
echo "idle CPU:         router $IDLE_ROUTER %, baseline $IDLE_BASE % of one core (Tcp-check target during the runs: $SINK_CPU %)"
echo "bodies:           router verdicts $ROUTER_BODY_BYTES bytes (4-5 dependencies), baseline $BASE_BODY_BYTES bytes"
echo
echo "wrk -t$HEALTH_THREADS -c$HEALTH_CONNECTIONS -d${HEALTH_SECONDS}s, GET /health/registries/reg-<random>, median of $HEALTH_ROUNDS interleaved run(s)"
printf '%-9s %12s %12s %18s %12s\n' server "req/s" "p99 ms" "CPU us/request" "bad %"
for s in "${SERVERS[@]}"; do
    # shellcheck disable=SC2086 # word splitting of the space-separated lists is intended
    MED_RPS[$s]=$(median ${RPS_LIST[$s]})
    # shellcheck disable=SC2086
    MED_P99[$s]=$(median ${P99_LIST[$s]})
    # shellcheck disable=SC2086
    MED_CPU[$s]=$(median ${CPU_LIST[$s]})
    bad_pct=$(awk -v b="${BAD_SUM[$s]}" -v n="${REQ_SUM[$s]}" 'BEGIN { printf "%.2f", n ? 100 * b / n : 0 }')
    printf '%-9s %12.0f %12.2f %18.2f %12s\n' "${DISPLAY[$s]}" "${MED_RPS[$s]}" "${MED_P99[$s]}" "${MED_CPU[$s]}" "$bad_pct"
done
echo "Router/Kestrel: req/s $(ratio "${MED_RPS[router]}" "${MED_RPS[baseline]}")  p99 $(ratio "${MED_P99[router]}" "${MED_P99[baseline]}")  CPU us/request $(ratio "${MED_CPU[router]}" "${MED_CPU[baseline]}")"
# The floor from the issue (informational): Router req/s >= 0.8 x the bare Kestrel endpoint's, same run.
if awk -v r="${MED_RPS[router]}" -v b="${MED_RPS[baseline]}" -v f="$FLOOR" 'BEGIN { exit !(r >= f * b) }'; then v=PASS; else v=FAIL; fi
printf '%s  req/s: Router %.0f req/s, floor %s x Kestrel = %.0f req/s\n' "$v" "${MED_RPS[router]}" "$FLOOR" \
    "$(awk -v b="${MED_RPS[baseline]}" -v f="$FLOOR" 'BEGIN { print f * b }')"
((BAD_SUM[router] == 0)) || echo "NOTE  Router gave ${BAD_SUM[router]} non-2xx answers or socket errors; see the per-round lines."
# The load goals of issue 12 (informational, like the floor above).
load_goal() { # NAME VALUE LIMIT UNIT
    if awk -v v="$2" -v l="$3" 'BEGIN { exit !(v != "n/a" && v < l) }'; then printf 'PASS  %s: %s %s (goal < %s %s)\n' "$1" "$2" "$4" "$3" "$4"
    else printf 'FAIL  %s: %s %s (goal < %s %s)\n' "$1" "$2" "$4" "$3" "$4"; fi
}
load_goal "first registry answer after start" "$LOAD_REG_S" "$LOAD_GOAL_S" s
[[ $HEALTH_VALIDATE == 0 ]] || load_goal "router validate" "$VALIDATE_S" "$LOAD_GOAL_S" s
load_goal "peak RSS while loading" "$(mib "$LOAD_HWM_KB")" "$PEAK_GOAL_MIB" MiB
load_goal "RSS after load" "$(mib "$LOAD_RSS_KB")" "$AFTER_LOAD_GOAL_MIB" MiB
echo "Compare only figures from the same run (the machine drifts between fast and slow modes); see tests/bench/README.md."
