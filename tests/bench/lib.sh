# shellcheck shell=bash
# Shared by the benchmark scripts: messages, option checks, the processes and temp dir that are cleaned up on any
# exit, apt installs, and free loopback ports. Before sourcing, set BENCH_NAME (the prefix of messages),
# BENCH_KEEP_VAR (the name of the variable that keeps the temp dir when 1), STOP_TIMEOUT_S, INSTALL_TIMEOUT_S,
# FIRST_PORT and LAST_PORT. Call bench_workdir once to create $WORK and install the traps.

log() { printf '%s\n' "$*" >&2; }
die() {
    log "$BENCH_NAME: ERROR: $*"
    exit 1
}
usage_error() {
    log "$BENCH_NAME: $*"
    exit 2
}

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
is_positive() { [[ $1 =~ ^[0-9]+$ ]] && ((10#$1 > 0)); }

# --- processes and temp dir, cleaned up on any exit -----------------------------------------------------------

STARTED_PIDS=()

stop_pid() { # PID: TERM, wait (bounded), then KILL. Only ever called with PIDs this script started.
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < STOP_TIMEOUT_S * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    log "$BENCH_NAME: PID $pid did not stop within ${STOP_TIMEOUT_S}s of SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$? pid
    trap - EXIT INT TERM
    for pid in "${STARTED_PIDS[@]}"; do
        stop_pid "$pid"
    done
    for pid in "${STARTED_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [[ ${!BENCH_KEEP_VAR} == 1 ]]; then
        log "$BENCH_NAME: kept $WORK"
    else
        rm -rf -- "$WORK"
    fi
    exit "$rc"
}

bench_workdir() { # creates $WORK and makes every exit stop what was started and remove it
    WORK=$(mktemp -d "/tmp/$BENCH_NAME.XXXXXX")
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# --- why a process ended ------------------------------------------------------------------------------------------

oom_kills() { # -> the kernel's count of OOM kills since boot (/proc/vmstat oom_kill, Linux 4.13+), or "?"
    awk '$1 == "oom_kill" { print $2; found = 1 } END { if (!found) print "?" }' /proc/vmstat 2>/dev/null || echo "?"
}

mem_available_mib() { # -> MemAvailable from /proc/meminfo in MiB, or "?"
    awk '$1 == "MemAvailable:" { printf "%.0f", $2 / 1024; found = 1 } END { if (!found) printf "?" }' /proc/meminfo 2>/dev/null || echo "?"
}

exit_cause() { # WAIT_STATUS OOM_KILLS_BEFORE -> how a process ended: its status, or the signal and whether the kernel OOM-killed
    local rc=$1 before=$2 after signal
    after=$(oom_kills)
    if ((rc <= 128)); then
        printf 'exit status %d' "$rc"
        return 0
    fi
    signal=$(kill -l $((rc - 128)) 2>/dev/null) || signal=$((rc - 128))
    printf 'killed by SIG%s (wait status %d)' "$signal" "$rc"
    if [[ $before == "?" || $after == "?" ]]; then
        printf '; OOM kills cannot be counted here (no oom_kill in /proc/vmstat)'
    elif ((after > before)); then
        printf '; the kernel OOM-killed %d process(es) meanwhile (/proc/vmstat oom_kill %s -> %s): out of memory' \
            $((after - before)) "$before" "$after"
    elif [[ $signal == KILL ]]; then
        printf '; the kernel counted no OOM kill (/proc/vmstat oom_kill stayed %s): the SIGKILL came from outside' "$after"
        printf ' (a container or cgroup limit enforced elsewhere, a supervisor, a user)'
    elif [[ $signal == ABRT ]]; then
        printf '; the .NET runtime aborted (fail-fast or an unhandled exception; its message, if any, is in the log)'
    fi
}

keep_hint() { [[ ${!BENCH_KEEP_VAR} == 1 ]] || printf ' (the temp dir is removed on exit; %s=1 keeps it)' "$BENCH_KEEP_VAR"; }

APT_UPDATED=0
apt_install() { # PACKAGE...: install; run apt-get update once only if the first attempt fails.
    [[ $(id -u) == 0 ]] || die "missing packages: $* (not root, so not installing them; apt-get install $*)"
    log "$BENCH_NAME: installing $*"
    if timeout "$INSTALL_TIMEOUT_S" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends "$@" >"$WORK/apt.log" 2>&1; then
        return 0
    fi
    if [[ $APT_UPDATED == 0 ]]; then
        APT_UPDATED=1
        timeout "$INSTALL_TIMEOUT_S" apt-get update >>"$WORK/apt.log" 2>&1 || true
        if timeout "$INSTALL_TIMEOUT_S" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y --no-install-recommends "$@" >>"$WORK/apt.log" 2>&1; then
            return 0
        fi
    fi
    tail -n 20 "$WORK/apt.log" >&2
    die "apt-get install $* failed"
}

# --- ports --------------------------------------------------------------------------------------------------------

port_in_use() { # PORT: listening or bound on TCP/UDP, IPv4/IPv6 (from /proc, no extra tools)
    local hex f
    hex=$(printf ':%04X' "$1")
    for f in /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6; do
        [[ -r $f ]] || continue
        awk -v p="$hex" 'NR > 1 && substr($2, length($2) - 4) == p { found = 1 } END { exit !found }' "$f" &&
            return 0
    done
    return 1
}

NEXT_PORT=$FIRST_PORT
next_free_port() { # sets PORT
    while ((NEXT_PORT <= LAST_PORT)); do
        PORT=$NEXT_PORT
        NEXT_PORT=$((NEXT_PORT + 1))
        port_in_use "$PORT" || return 0
    done
    die "no free port in $FIRST_PORT..$LAST_PORT"
}

# --- Router build -------------------------------------------------------------------------------------------------

bench_router_bin() { # sets ROUTER_BIN: as given, or built (Release) from the repository at REPO_ROOT within BUILD_TIMEOUT_S
    local pid rc=0
    if [[ -z ${ROUTER_BIN:-} ]]; then
        log "$BENCH_NAME: building Router (Release): dotnet build -c Release src/Router.Cli/Router.Cli.csproj"
        # --disable-build-servers: leave no MSBuild/compiler server processes behind.
        (cd "$REPO_ROOT" && exec timeout "$BUILD_TIMEOUT_S" env DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 \
            dotnet build -c Release --disable-build-servers src/Router.Cli/Router.Cli.csproj) >"$WORK/build.log" 2>&1 &
        pid=$!
        STARTED_PIDS+=("$pid")
        wait "$pid" || rc=$?
        if ((rc != 0)); then
            ((rc != 124)) || log "$BENCH_NAME: the build took longer than ${BUILD_TIMEOUT_S}s"
            grep -E 'error [A-Z]+[0-9]+' "$WORK/build.log" | sort -u | tail -n 20 >&2 || tail -n 20 "$WORK/build.log" >&2
            die "Router build failed (dotnet build -c Release src/Router.Cli/Router.Cli.csproj; ROUTER_BIN uses a built one)"
        fi
        ROUTER_BIN=$REPO_ROOT/src/Router.Cli/bin/Release/net10.0/router
    fi
    [[ -x $ROUTER_BIN ]] || die "Router executable not found or not executable: $ROUTER_BIN"
}

# Small figures helpers shared by tm-scale.sh and probe-cost.sh (a script may define its own after sourcing this).
now() { printf '%s' "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }                # START END -> seconds
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }                            # kB -> MiB
proc_kb() { awk -v f="$2:" '$1 == f { print $2; found = 1 } END { if (!found) print 0 }' "/proc/$1/status" 2>/dev/null || echo 0; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
