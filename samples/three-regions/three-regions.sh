#!/usr/bin/env bash
# three-regions.sh — three regions of real registries behind Router, in a network namespace of their own.
#
#   three-regions.sh up                      bring everything up (idempotent: a second `up` repairs what is missing)
#   three-regions.sh status                  processes, faults, health verdicts, endpoints, DNS answers
#   three-regions.sh fault REGION KIND [ARG] inject a fault, then watch the answer move (see `fault help`)
#   three-regions.sh heal [REGION [KIND]]    undo faults (all of them by default) and watch the answer come back
#   three-regions.sh timeline                the failover timeline of the last fault
#   three-regions.sh exec CMD...             run CMD inside the namespace (resolv.conf names the router)
#   three-regions.sh deep-evaluation REGION [enabled|disabled]   the region monitor's kill switch, switched live
#   three-regions.sh config [router | monitor REGION]   print a generated configuration
#   three-regions.sh down                    stop exactly what `up` started (by PID), unmount, delete the namespace
#
# Settings (environment): THREE_REGIONS_NETNS (router3r), THREE_REGIONS_DIR (/tmp/three-regions), ROUTER_BIN (a copy
# of src/Router.Cli's Release build, built once when missing), THREE_REGIONS_INSTALL=1 (apt-get install what is
# missing), THREE_REGIONS_CANARY_CHECK (Registry | Http), THREE_REGIONS_STORAGE_SIZE (32m),
# THREE_REGIONS_WATCH (1: fault/heal wait for the answer to move), THREE_REGIONS_UPSTREAMS (forwarding upstreams,
# comma-separated IP:port; default: the host's non-loopback resolv.conf nameservers), THREE_REGIONS_MONITOR_MODE
# (Probe | Batch: how the router monitors the regions; `up` records it, so later commands and `up`s keep it).
set -euo pipefail

NS=${THREE_REGIONS_NETNS:-router3r}
STATE=${THREE_REGIONS_DIR:-/tmp/three-regions}
STATE=${STATE%/}
[[ $STATE == /?*/* || $STATE == /tmp?* ]] || { echo "three-regions: THREE_REGIONS_DIR must be an absolute path below a top-level directory" >&2; exit 2; }
STORAGE_SIZE=${THREE_REGIONS_STORAGE_SIZE:-32m}
CANARY_CHECK=${THREE_REGIONS_CANARY_CHECK:-Registry}
[[ $CANARY_CHECK == Registry || $CANARY_CHECK == Http ]] || { echo "three-regions: THREE_REGIONS_CANARY_CHECK must be Registry or Http (got '$CANARY_CHECK')" >&2; exit 2; }
WATCH=${THREE_REGIONS_WATCH:-1}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# router_bin, router_path
# shellcheck source=../lib/router-bin.sh
source "$HERE/../lib/router-bin.sh"

REGIONS=(eastus westeurope eastasia)
declare -A OCTET=([eastus]=11 [westeurope]=12 [eastasia]=13)
# Latencies from 127.0.0.0/8 (the namespace's clients): eastus is nearest, then westeurope, then eastasia.
declare -A LATENCY=([eastus]=10 [westeurope]=80 [eastasia]=190)
TENANTS=(contoso fabrikam tailwind)
declare -A TPORT=([contoso]=5000 [fabrikam]=5010 [tailwind]=5020)      # the same port in every region
declare -A TACCOUNT=([contoso]=sa-1 [fabrikam]=sa-2 [tailwind]=sa-1)    # tailwind shares contoso's storage account
declare -A TMETA=([contoso]=1 [fabrikam]=0 [tailwind]=0)                # metadata search (PostgreSQL) for contoso only
ACCOUNTS=(sa-1 sa-2)
MONITOR_PORT=8081
DNS_ADDR=127.0.0.53
ADMIN=http://127.0.0.1:8053
ZONE=registry.test
TM_ZONE=tm.registry.test
USER_NAME=demo USER_PASS=demo-pass          # what clients (skopeo) use
PROBE_NAME=probe PROBE_PASS=probe-pass      # what the health monitors use
NOBODY=65534
# Timing of the demo (kept short so a failover takes seconds): health monitor and traffic manager.
H_INTERVAL=2 H_TIMEOUT=1 H_FAILS=2 H_SUCCESSES=2 H_STALE=30
TM_INTERVAL=2 TM_TIMEOUT=1 TM_TOLERATED=1 TM_TTL=5
# How the router monitors the regions: Probe (default: one probe of /health/registries/<tenant> per profile and region)
# or Batch (one long poll of each region's /health/registries serves every profile). THREE_REGIONS_MONITOR_MODE, else
# what the last `up` recorded in the state dir, else Probe.
MONITOR_MODE=${THREE_REGIONS_MONITOR_MODE:-$(cat "$STATE/monitor-mode" 2>/dev/null || true)}
MONITOR_MODE=${MONITOR_MODE:-Probe}
case ${MONITOR_MODE,,} in
  probe) MONITOR_MODE=Probe ;;
  batch) MONITOR_MODE=Batch ;;
  *) echo "three-regions: THREE_REGIONS_MONITOR_MODE must be Probe or Batch (got '$MONITOR_MODE')" >&2; exit 2 ;;
esac
# Bound on a failover (README "How long a failover takes"): monitor detection + traffic manager + TTL. In batch mode
# the monitor has applied its thresholds already: ToleratedFailures 0, and the long poll brings the verdict in < 1 s.
if [[ $MONITOR_MODE == Batch ]]; then
  TM_TOLERATED=0
  BOUND=$(( H_FAILS * H_INTERVAL + H_TIMEOUT + TM_TOLERATED * TM_INTERVAL + 1 + TM_TTL ))
else
  BOUND=$(( H_FAILS * H_INTERVAL + H_TIMEOUT + (TM_INTERVAL + TM_TIMEOUT) * (TM_TOLERATED + 1) + TM_TTL ))
fi

front() { echo "127.0.0.${OCTET[$1]}"; }     # registries (one port per tenant) and the health monitor
redis_addr() { echo "127.0.1.${OCTET[$1]}"; } # the region's cache
pg_addr() { echo "127.0.2.${OCTET[$1]}"; }    # the region's metadata service
rdir() { echo "$STATE/regions/$1"; }
acct_dir() { echo "$(rdir "$1")/accounts/$2"; }   # a tmpfs: one "storage account"
acct_data() { echo "$(acct_dir "$1" "$2")/data"; } # the account's container; registries keep <tenant>/ under it

log() { printf '%s %s\n' "$(date -u +%H:%M:%S.%3N)" "$*" >&2; }
die() { printf 'three-regions: %s\n' "$1" >&2; exit "${2:-1}"; }
now() { date +%s.%N | cut -c1-14; }           # epoch seconds with milliseconds
nsx() { ip netns exec "$NS" "$@"; }
need_root() { [[ $(id -u) == 0 ]] || die "run as root (network namespaces, tmpfs mounts, iptables)"; }

# ---------------------------------------------------------------- processes: PID files hold "PID STARTTIME"
pidfile() { echo "$STATE/pids/$1.pid"; }
starttime() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; set -- $s; echo "${20}"; }
# alive NAME: the recorded process still runs (same PID and start time, not a zombie); prints its PID.
alive() {
  local f pid st state
  f=$(pidfile "$1"); [[ -s $f ]] || return 1
  read -r pid st < "$f" || return 1
  [[ $(starttime "$pid" 2>/dev/null) == "$st" ]] || return 1
  state=$(proc_state "$pid") || return 1
  [[ $state != Z ]] || return 1
  echo "$pid"
}
proc_state() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; echo "${s%% *}"; }
# spawn NAME LOG CMD...: runs CMD in the namespace, in a session of its own. Every step exec()s, so $! is the daemon.
spawn() {
  local name=$1 logf=$2; shift 2
  # From /, not the caller's directory: the daemons run as nobody or postgres, which cannot enter a 0700 home.
  ( cd / && exec ip netns exec "$NS" setsid "$@" ) >> "$logf" 2>&1 < /dev/null &
  local pid=$! st=""
  for _ in $(seq 1 50); do st=$(starttime "$pid" 2>/dev/null) && break; sleep 0.01; done
  echo "$pid $st" > "$(pidfile "$name")"
}
# signal NAME SIG: only to the recorded process.
signal() { local pid; pid=$(alive "$1") || return 1; kill -s "$2" "$pid"; }
# stop NAME [SIG]: SIGCONT (a stopped process cannot exit), SIG (TERM), at most 5 s, then KILL.
stop() {
  local name=$1 sig=${2:-TERM} pid
  if pid=$(alive "$name"); then
    kill -s CONT "$pid" 2>/dev/null || true
    kill -s "$sig" "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do alive "$name" > /dev/null || break; sleep 0.1; done
    if alive "$name" > /dev/null; then log "$name did not stop in 5 s: KILL"; kill -s KILL "$pid" 2>/dev/null || true; sleep 0.1; fi
  fi
  rm -f "$(pidfile "$name")"
}
# wait_for SECONDS WHAT CMD...: bounded polling (every 50 ms).
wait_for() {
  local secs=$1 what=$2; shift 2
  local deadline=$(( $(date +%s%N) + secs * 1000000000 ))
  until "$@" > /dev/null 2>&1; do
    (( $(date +%s%N) < deadline )) || { log "timed out after ${secs} s waiting for $what"; return 1; }
    sleep 0.05
  done
}

# ---------------------------------------------------------------- prerequisites
PKG_FOR=( "docker-registry:docker-registry" "skopeo:skopeo" "redis-server:redis-server" "redis-cli:redis-tools"
          "htpasswd:apache2-utils" "psql:postgresql" "ip:iproute2" "iptables:iptables" "dig:bind9-dnsutils"
          "curl:curl" "jq:jq" "setpriv:util-linux" "sysctl:procps" )
check_prereqs() {
  local missing=() pair
  for pair in "${PKG_FOR[@]}"; do command -v "${pair%%:*}" > /dev/null || missing+=("${pair#*:}"); done
  ls /usr/lib/postgresql/*/bin/initdb > /dev/null 2>&1 || missing+=(postgresql)
  if ((${#missing[@]})); then
    local line="apt-get install -y --no-install-recommends ${missing[*]}"
    if [[ ${THREE_REGIONS_INSTALL:-0} == 1 ]]; then
      log "installing: ${missing[*]}"
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" > "$STATE/apt.log" 2>&1 \
        || { apt-get update > /dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" > "$STATE/apt.log" 2>&1; } \
        || die "apt-get failed, see $STATE/apt.log"
    else
      die "missing packages: ${missing[*]}
  install them:   $line
  or run again with THREE_REGIONS_INSTALL=1"
    fi
  fi
  PG_BIN=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
}

router_env=(env HOME="$STATE/home" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_gcServer=0)
as_nobody=(setpriv "--reuid=$NOBODY" "--regid=$NOBODY" --clear-groups)

# write_if_changed FILE: stdin replaces FILE only when it differs (the router reloads on change).
write_if_changed() { local tmp="$1.tmp"; cat > "$tmp"; if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi; }

# ---------------------------------------------------------------- the canary image (deterministic OCI layout)
build_canary() {
  local img=$STATE/image/canary
  [[ -f $img/index.json ]] && return
  local w=$STATE/image/work; rm -rf "$w" "$img"; mkdir -p "$w/rootfs" "$img/blobs/sha256"
  printf 'canary image of samples/three-regions\n' > "$w/rootfs/canary.txt"
  chmod 0755 "$w/rootfs"; chmod 0644 "$w/rootfs/canary.txt"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=posix \
      --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -C "$w/rootfs" -cf "$w/layer.tar" .
  local diffid layer lsize cfg csize man msize
  diffid=$(sha256sum < "$w/layer.tar" | cut -d' ' -f1)
  gzip -n -6 < "$w/layer.tar" > "$w/layer.tgz"
  layer=$(sha256sum < "$w/layer.tgz" | cut -d' ' -f1); lsize=$(stat -c %s "$w/layer.tgz")
  cp "$w/layer.tgz" "$img/blobs/sha256/$layer"
  printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/true"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$diffid" > "$w/config.json"
  cfg=$(sha256sum < "$w/config.json" | cut -d' ' -f1); csize=$(stat -c %s "$w/config.json")
  cp "$w/config.json" "$img/blobs/sha256/$cfg"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
    "$cfg" "$csize" "$layer" "$lsize" > "$w/manifest.json"
  man=$(sha256sum < "$w/manifest.json" | cut -d' ' -f1); msize=$(stat -c %s "$w/manifest.json")
  cp "$w/manifest.json" "$img/blobs/sha256/$man"
  printf '{"imageLayoutVersion":"1.0.0"}' > "$img/oci-layout"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"1"}}]}' \
    "$man" "$msize" > "$img/index.json"
  echo "sha256:$man" > "$STATE/image/canary.digest"
  rm -rf "$w"
}

# ---------------------------------------------------------------- configuration files
write_htpasswd() { # REGION [rotated]
  local f; f=$(rdir "$1")/htpasswd
  { htpasswd -nbB -C 5 "$USER_NAME" "$USER_PASS"; htpasswd -nbB -C 5 "$PROBE_NAME" "$PROBE_PASS"; } | grep . > "$f.new"
  chmod 0644 "$f.new"; mv "$f.new" "$f"
}

registry_config() { # REGION TENANT
  local r=$1 t=$2 d; d=$(rdir "$r")
  cat <<EOF
version: 0.1
log: {level: info, formatter: text, fields: {service: registry, region: $r, tenant: $t}}
storage:
  filesystem: {rootdirectory: $(acct_data "$r" "${TACCOUNT[$t]}")/$t}
  cache: {blobdescriptor: redis}
  delete: {enabled: true}
  maintenance: {uploadpurging: {enabled: false}}
redis:
  addr: $(redis_addr "$r"):6379
  db: $(( ${TPORT[$t]} / 10 % 16 ))
  dialtimeout: 200ms
  readtimeout: 200ms
  writetimeout: 200ms
  pool: {maxidle: 4, maxactive: 16, idletimeout: 60s}
http:
  addr: $(front "$r"):${TPORT[$t]}
  secret: three-regions-not-a-secret-$r-$t
  headers: {X-Content-Type-Options: [nosniff]}
  debug: {addr: $(front "$r"):$(( ${TPORT[$t]} + 1 )), prometheus: {enabled: true, path: /metrics}}
auth:
  htpasswd: {realm: $t-$r, path: $d/htpasswd}
health:
  storagedriver: {enabled: false}
EOF
}

# One resource a line, so that switching a check (e.g. to the Registry check) is a one-line change.
monitor_config() { # REGION
  local r=$1 f a t sep lines=() regs=()
  f=$(front "$r")
  for a in "${ACCOUNTS[@]}"; do
    lines+=("{ \"Id\": \"$a\", \"Kind\": \"Storage\", \"Check\": { \"Type\": \"Filesystem\", \"Path\": \"$(acct_data "$r" "$a")\" } }")
  done
  lines+=("{ \"Id\": \"cache\", \"Kind\": \"Cache\", \"Check\": { \"Type\": \"Redis\", \"Endpoint\": \"$(redis_addr "$r"):6379\" } }")
  for t in "${TENANTS[@]}"; do
    if [[ $CANARY_CHECK == Registry ]]; then
      lines+=("{ \"Id\": \"auth-$t\", \"Kind\": \"Auth\", \"Check\": { \"Type\": \"Registry\", \"Url\": \"http://$f:${TPORT[$t]}\", \"Repository\": \"canary\", \"Reference\": \"1\", \"Username\": \"$PROBE_NAME\", \"Password\": \"$PROBE_PASS\", \"LatencyBudgetMilliseconds\": 500 } }")
    else
      lines+=("{ \"Id\": \"auth-$t\", \"Kind\": \"Auth\", \"Check\": { \"Type\": \"Http\", \"Url\": \"http://$f:${TPORT[$t]}/v2/\", \"Username\": \"$PROBE_NAME\", \"Password\": \"$PROBE_PASS\", \"ExpectedStatusCodes\": [ \"200\" ] } }")
    fi
    lines+=("{ \"Id\": \"api-$t\", \"Kind\": \"Container\", \"Check\": { \"Type\": \"Http\", \"Url\": \"http://$f:${TPORT[$t]}/v2/\", \"ExpectedStatusCodes\": [ \"200\", \"401\" ] } }")
  done
  lines+=("{ \"Id\": \"meta\", \"Kind\": \"Metadata\", \"Check\": { \"Type\": \"Postgres\", \"ConnectionString\": \"Host=$(pg_addr "$r");Port=5432;Username=postgres;Database=meta;Timeout=1\" } }")
  for t in "${TENANTS[@]}"; do
    local m=""; [[ ${TMETA[$t]} == 1 ]] && m=", \"Metadata\": \"meta\""
    regs+=("{ \"Name\": \"$t\", \"Storage\": \"${TACCOUNT[$t]}\", \"Cache\": \"cache\", \"Auth\": \"auth-$t\", \"Container\": \"api-$t\"$m }")
  done
  printf '{\n  "Health": {\n    "Region": "%s",\n    "Listen": "http://%s:%s",\n    "DeepEvaluation": "%s",\n' "$r" "$f" "$MONITOR_PORT" "$(deep_mode "$r")"
  printf '    "Evaluation": { "IntervalSeconds": %s, "TimeoutSeconds": %s, "FailuresToUnhealthy": %s, "SuccessesToHealthy": %s, "StaleAfterSeconds": %s },\n' \
    "$H_INTERVAL" "$H_TIMEOUT" "$H_FAILS" "$H_SUCCESSES" "$H_STALE"
  printf '    "Resources": [\n'; sep=""
  for l in "${lines[@]}"; do printf '%s      %s' "$sep" "$l"; sep=$',\n'; done
  printf '\n    ],\n    "Registries": [\n'; sep=""
  for l in "${regs[@]}"; do printf '%s      %s' "$sep" "$l"; sep=$',\n'; done
  printf '\n    ]\n  },\n  "Logging": { "LogLevel": { "Default": "Information" } }\n}\n'
}

# The region monitor's kill switch: Disabled while the marker written by `deep-evaluation REGION disabled` exists.
deep_mode() { if [[ -e $(rdir "$1")/deep-evaluation.disabled ]]; then echo Disabled; else echo Enabled; fi; }

upstreams_json() {
  local ups=() ns
  if [[ -n ${THREE_REGIONS_UPSTREAMS:-} ]]; then IFS=, read -r -a ups <<< "$THREE_REGIONS_UPSTREAMS"
  else
    # The host's nameservers, except loopback ones (the namespace's loopback is not the host's).
    while read -r ns; do [[ $ns == 127.* || $ns == ::1 || $ns == *:* ]] || ups+=("$ns:53"); done \
      < <(awk '$1 == "nameserver" { print $2 }' /etc/resolv.conf 2>/dev/null)
  fi
  local out="" u; for u in "${ups[@]}"; do out+="${out:+, }\"$u\""; done; echo "[ $out ]"
}

# The profile's Monitor. Probe: the tenant's own verdict, falling back to its registry's /v2/. Batch: the region's batch
# document (one poller per region serves every profile, so the profiles agree on path, headers and fallback: the
# fallback, used only when the monitor cannot be reached, is the first tenant's registry /v2/, the region's front).
monitor_json() { # TENANT
  local t=$1
  if [[ $MONITOR_MODE == Batch ]]; then
    printf '{ "Mode": "Batch", "Registry": "%s", "Protocol": "Http", "Port": %s, "Path": "/health/registries",
                     "IntervalSeconds": %s, "TimeoutSeconds": %s, "ToleratedFailures": %s,
                     "Fallback": { "Port": %s, "Path": "/v2/", "ExpectedStatusCodes": [ "200", "401" ] } }' \
      "$t" "$MONITOR_PORT" "$TM_INTERVAL" "$TM_TIMEOUT" "$TM_TOLERATED" "${TPORT[${TENANTS[0]}]}"
  else
    printf '{ "Protocol": "Http", "Port": %s, "Path": "/health/registries/%s",
                     "IntervalSeconds": %s, "TimeoutSeconds": %s, "ToleratedFailures": %s,
                     "ExpectedStatusCodes": [ "200" ], "Headers": { "Host": "%s" },
                     "Fallback": { "Port": %s, "Path": "/v2/", "ExpectedStatusCodes": [ "200", "401" ] } }' \
      "$MONITOR_PORT" "$t" "$TM_INTERVAL" "$TM_TIMEOUT" "$TM_TOLERATED" "$t.$ZONE" "${TPORT[$t]}"
  fi
}

router_config() {
  local t r sep recs="" lat="" profiles="" eps
  for t in "${TENANTS[@]}"; do recs+="${recs:+,$'\n'          }{ \"Name\": \"$t\", \"Type\": \"CNAME\", \"Value\": \"$t.$TM_ZONE.\" }"; done
  for r in "${REGIONS[@]}"; do lat+="${lat:+, }\"$r\": ${LATENCY[$r]}"; done
  for t in "${TENANTS[@]}"; do
    eps=""; for r in "${REGIONS[@]}"; do eps+="${eps:+,$'\n'            }{ \"Name\": \"$r\", \"Location\": \"$r\", \"Target\": \"$(front "$r")\" }"; done
    profiles+="${profiles:+,$'\n'      }{ \"Name\": \"$t\", \"RoutingMethod\": \"Performance\", \"Ttl\": $TM_TTL,
        \"Monitor\": $(monitor_json "$t"),
        \"Endpoints\": [
            $eps ] }"
  done
  cat <<EOF
{
  "Dns": {
    "Listen": [ "$DNS_ADDR:53" ],
    "Zones": [
      { "Name": "$ZONE", "Ttl": 300,
        "Records": [
          $recs ] }
    ],
    "Forwarding": { "Enabled": true, "Upstreams": $(upstreams_json), "AllowedClients": [ "127.0.0.0/8", "::1/128" ], "TimeoutSeconds": 1 }
  },
  "TrafficManager": {
    "Zone": "$TM_ZONE",
    "LatencyTable": [ { "Network": "127.0.0.0/8", "Latencies": { $lat } } ],
    "Profiles": [
      $profiles
    ]
  },
  "Admin": { "Listen": "$ADMIN", "StateFile": "$STATE/router/router-state.json" },
  "Logging": { "LogLevel": { "Default": "Information" } }
}
EOF
}

# ---------------------------------------------------------------- bringing pieces up
ensure_netns() {
  if ! ip netns list | awk '{print $1}' | grep -qx "$NS"; then ip netns add "$NS"; fi
  ip -n "$NS" link set lo up
  nsx sysctl -qw net.ipv4.ip_unprivileged_port_start=0
  mkdir -p "/etc/netns/$NS"
  printf 'nameserver %s\noptions timeout:1 attempts:2\n' "$DNS_ADDR" | write_if_changed "/etc/netns/$NS/resolv.conf"
}

ensure_storage() { # REGION
  local r=$1 a m
  for a in "${ACCOUNTS[@]}"; do
    m=$(acct_dir "$r" "$a"); mkdir -p "$m"
    mountpoint -q "$m" || mount -t tmpfs -o "size=$STORAGE_SIZE,mode=0755" "three-regions-$r-$a" "$m"
    [[ -d $m/data || -e $(rdir "$r")/faults/storage-wiped.$a ]] || { mkdir -p "$m/data"; chown $NOBODY:$NOBODY "$m/data"; }
  done
}

ensure_redis() { # REGION
  local r=$1 d; d=$(rdir "$r")
  alive "redis-$r" > /dev/null && return
  [[ -e $d/faults/cache-down ]] && return
  mkdir -p "$d/redis"; chown $NOBODY:$NOBODY "$d/redis"
  spawn "redis-$r" "$d/logs/redis.log" "${as_nobody[@]}" redis-server --bind "$(redis_addr "$r")" --port 6379 \
    --save '' --appendonly no --maxmemory 32mb --maxmemory-policy allkeys-lru --dir "$d/redis" --daemonize no
  wait_for 10 "redis $r" nsx redis-cli -h "$(redis_addr "$r")" -p 6379 ping
}

ensure_postgres() { # REGION
  local r=$1 d; d=$(rdir "$r")
  alive "postgres-$r" > /dev/null && return
  [[ -e $d/faults/metadata-down ]] && return
  if [[ ! -f $d/pg/data/PG_VERSION ]]; then
    [[ -f $STATE/pg-template/data/PG_VERSION ]] || die "no PostgreSQL template cluster"
    rm -rf "$d/pg"; mkdir -p "$d/pg"; chown postgres:postgres "$d/pg"
    cp -a "$STATE/pg-template/data" "$d/pg/data"
  fi
  spawn "postgres-$r" "$d/logs/postgres.log" setpriv --reuid=postgres --regid=postgres --init-groups \
    "$PG_BIN/postgres" -D "$d/pg/data" -c listen_addresses="$(pg_addr "$r")" -p 5432 -c unix_socket_directories="$d/pg" \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=16MB -c max_connections=20
  wait_for 20 "postgres $r" nsx "$PG_BIN/pg_isready" -q -h "$(pg_addr "$r")" -p 5432
  nsx psql -qAt -h "$(pg_addr "$r")" -U postgres -d postgres -c "select 1 from pg_database where datname='meta'" | grep -q 1 \
    || nsx psql -q -h "$(pg_addr "$r")" -U postgres -d postgres -c "create database meta" > /dev/null
}

ensure_registry() { # REGION TENANT
  local r=$1 t=$2 d; d=$(rdir "$r")
  registry_config "$r" "$t" | write_if_changed "$d/registry-$t.yml"
  alive "registry-$r-$t" > /dev/null && return
  [[ -e $d/faults/registry-killed.$t ]] && return
  spawn "registry-$r-$t" "$d/logs/registry-$t.log" "${as_nobody[@]}" docker-registry serve "$d/registry-$t.yml"
  wait_for 10 "registry $t in $r" registry_up "$r" "$t"
}
registry_up() { [[ $(nsx curl -s -o /dev/null -m 1 -w '%{http_code}' "http://$(front "$1"):${TPORT[$2]}/v2/") == 401 ]]; }

ensure_monitor() { # REGION
  local r=$1 d; d=$(rdir "$r")
  monitor_config "$r" | write_if_changed "$d/monitor.json"
  alive "monitor-$r" > /dev/null && return
  [[ -e $d/faults/monitor-killed ]] && return
  spawn "monitor-$r" "$d/logs/monitor.log" "${as_nobody[@]}" "${router_env[@]}" "$ROUTER" serve --config "$d/monitor.json"
}
monitor_up() { nsx curl -sf -o /dev/null -m 1 "http://$(front "$1"):$MONITOR_PORT/health/live"; }

ensure_router() {
  local d=$STATE/router
  router_config | write_if_changed "$d/router.json"
  alive router > /dev/null && return
  spawn router "$d/router.log" "${as_nobody[@]}" "${router_env[@]}" "$ROUTER" serve --config "$d/router.json"
}
router_up() { nsx dig +short +time=1 +tries=1 "@$DNS_ADDR" "contoso.$ZONE" | grep -q '^127\.'; }

# seed REGION TENANT: copy the canary image in unless the registry already has it.
seed() {
  local r=$1 t=$2 ref
  ref="docker://$(front "$r"):${TPORT[$t]}/canary:1"
  nsx skopeo --command-timeout 10s inspect --raw --creds "$USER_NAME:$USER_PASS" --tls-verify=false "$ref" > /dev/null 2>&1 && return
  nsx skopeo --command-timeout 20s copy -q --dest-creds "$USER_NAME:$USER_PASS" --dest-tls-verify=false \
    "oci:$STATE/image/canary:1" "$ref" > /dev/null 2>> "$(rdir "$r")/logs/seed.log" || { log "seeding $t in $r failed"; return 1; }
}

all_online() {
  nsx curl -sf -m 1 "$ADMIN/api/profiles" | jq -e '[.[] | .endpoints[] | select(.status != "Online")] | length == 0' > /dev/null
}
# Every endpoint's last result came the way MONITOR_MODE says (the admin API's lastProbe.source names the batch
# document in batch mode, and is absent for a probe): after `up` switched a running router, its reload has taken.
mode_applied() {
  nsx curl -sf -m 1 "$ADMIN/api/profiles" | jq -e --arg batch "$([[ $MONITOR_MODE == Batch ]] && echo true || echo false)" \
    '[.[] | .endpoints[] | select(((.lastProbe.source // "") | test("batch")) != ($batch == "true"))] | length == 0' > /dev/null
}

cmd_up() {
  need_root
  local t0; t0=$(now)
  if [[ -d $STATE && ! -f $STATE/.three-regions && -n $(ls -A "$STATE") ]]; then die "$STATE exists and is not ours (no .three-regions marker)"; fi
  mkdir -p "$STATE"/{pids,router,image,home,timeline,pulls}; chmod 0755 "$STATE"; touch "$STATE/.three-regions"
  echo "$MONITOR_MODE" > "$STATE/monitor-mode"
  chown $NOBODY:$NOBODY "$STATE/router" "$STATE/home" "$STATE/pulls"
  check_prereqs
  router_bin
  ensure_netns
  build_canary
  local r t p i
  for r in "${REGIONS[@]}"; do
    mkdir -p "$(rdir "$r")"/{logs,faults}
    [[ -f $(rdir "$r")/htpasswd ]] || write_htpasswd "$r"
    ensure_storage "$r"
  done
  # Validate what we generate before starting anything with it.
  local cfgs=("$STATE/router/router.json") c pids=() bad=0
  router_config | write_if_changed "$STATE/router/router.json"
  for r in "${REGIONS[@]}"; do monitor_config "$r" | write_if_changed "$(rdir "$r")/monitor.json"; cfgs+=("$(rdir "$r")/monitor.json"); done
  for c in "${cfgs[@]}"; do "$ROUTER" validate --config "$c" > "$c.errors" 2>&1 & pids+=($!); done
  for i in "${!cfgs[@]}"; do
    if ! wait "${pids[$i]}"; then bad=1; echo "${cfgs[$i]}:" >&2; sed 's/^/  /' "${cfgs[$i]}.errors" >&2; fi
    rm -f "${cfgs[$i]}.errors"
  done
  (( bad == 0 )) || die "invalid generated configuration (nothing started with it)" 2
  # One initdb (about 0.5 s), copied to every region's cluster.
  if [[ ! -f $STATE/pg-template/data/PG_VERSION ]]; then
    rm -rf "$STATE/pg-template"; mkdir -p "$STATE/pg-template"; chown postgres:postgres "$STATE/pg-template"
    setpriv --reuid=postgres --regid=postgres --init-groups "$PG_BIN/initdb" -D "$STATE/pg-template/data" -U postgres \
      --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 > "$STATE/pg-template/initdb.log" 2>&1 \
      || die "initdb failed, see $STATE/pg-template/initdb.log"
  fi
  # Redis and PostgreSQL of every region in parallel, then the registries, then monitors and the global router.
  pids=()
  for r in "${REGIONS[@]}"; do ( ensure_redis "$r"; ensure_postgres "$r" ) & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || die "a region's cache or metadata service did not start"; done
  log "caches and metadata services up ($(awk "BEGIN{printf \"%.1f\", $(now) - $t0}") s)"
  pids=()
  for r in "${REGIONS[@]}"; do ( for t in "${TENANTS[@]}"; do ensure_registry "$r" "$t"; done ) & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || die "a registry did not start"; done
  for r in "${REGIONS[@]}"; do ensure_monitor "$r"; done
  ensure_router
  log "registries up, monitors and router starting ($(awk "BEGIN{printf \"%.1f\", $(now) - $t0}") s)"
  pids=()
  for r in "${REGIONS[@]}"; do
    [[ -e $(rdir "$r")/faults/region-unreachable ]] && continue
    for t in "${TENANTS[@]}"; do alive "registry-$r-$t" > /dev/null && { seed "$r" "$t" & pids+=($!); }; done
  done
  for p in "${pids[@]}"; do wait "$p" || true; done
  log "canary image seeded ($(awk "BEGIN{printf \"%.1f\", $(now) - $t0}") s)"
  for r in "${REGIONS[@]}"; do alive "monitor-$r" > /dev/null && { wait_for 30 "monitor $r" monitor_up "$r" || true; }; done
  wait_for 30 "router DNS" router_up || die "the router does not answer, see $STATE/router/router.log"
  wait_for 30 "every endpoint monitored in $MONITOR_MODE mode" mode_applied || true
  if [[ -z $(active_faults) ]]; then wait_for 30 "every endpoint Online" all_online || true; fi
  log "up in $(awk "BEGIN{printf \"%.1f\", $(now) - $t0}") s (namespace $NS, state $STATE, router monitor mode $MONITOR_MODE)"
  echo "$(awk "BEGIN{printf \"%.1f\", $(now) - $t0}")" > "$STATE/up.seconds"
  cat <<EOF

  Try (inside the namespace, whose resolver is Router on $DNS_ADDR:53):
    $0 exec dig +short contoso.$ZONE
    $0 exec skopeo inspect --creds $USER_NAME:$USER_PASS --tls-verify=false docker://contoso.$ZONE:${TPORT[contoso]}/canary:1
    $0 fault eastus storage-wiped        # contoso (and tailwind, same account) move to westeurope within ~${BOUND} s
    $0 heal                              # and back
    $0 timeline
    THREE_REGIONS_MONITOR_MODE=$([[ $MONITOR_MODE == Batch ]] && echo Probe || echo Batch) $0 up   # the router in $([[ $MONITOR_MODE == Batch ]] && echo probe || echo batch) mode (now: $MONITOR_MODE)
EOF
}

# ---------------------------------------------------------------- status
active_faults() { local r f; for r in "${REGIONS[@]}"; do for f in "$(rdir "$r")"/faults/*; do if [[ -e $f ]]; then echo "$r $(basename "$f")"; fi; done; done; return 0; }
answer() { nsx dig +short +time=1 +tries=1 "$1.$ZONE" 2>/dev/null | grep -E '^[0-9.]+$' | head -1; }
region_of() { local r; for r in "${REGIONS[@]}"; do [[ $(front "$r") == "$1" ]] && { echo "$r"; return; }; done; echo "${1:-none}"; }

cmd_status() {
  [[ -d $STATE/pids ]] || { echo "not up (no $STATE)"; return 0; }
  ip netns list | awk '{print $1}' | grep -qx "$NS" || { echo "namespace $NS does not exist"; }
  printf '%-28s %-8s %-6s %s\n' PROCESS PID STATE RSS
  local f n pid
  for f in "$STATE"/pids/*.pid; do
    [[ -e $f ]] || continue; n=$(basename "$f" .pid)
    if pid=$(alive "$n"); then
      printf '%-28s %-8s %-6s %s\n' "$n" "$pid" "$(proc_state "$pid")" "$(awk '/VmRSS/ {printf "%d MB", $2/1024}' "/proc/$pid/status")"
    else printf '%-28s %-8s %-6s\n' "$n" - gone; fi
  done
  echo; echo "faults:"; active_faults | sed 's/^/  /'; [[ -n $(active_faults) ]] || echo "  none"
  local r; for r in "${REGIONS[@]}"; do [[ $(deep_mode "$r") == Enabled ]] || echo "  $r: deep evaluation Disabled (every registry answers 200, fail-open)"; done
  echo; echo "health verdicts (GET /health/registries/NAME on each region's monitor):"
  local r t line
  for r in "${REGIONS[@]}"; do
    line="  $r:"
    for t in "${TENANTS[@]}"; do line+=" $t=$(nsx curl -s -o /dev/null -m 1 -w '%{http_code}' "http://$(front "$r"):$MONITOR_PORT/health/registries/$t" 2>/dev/null || true)"; done
    echo "$line"
  done
  echo; echo "router monitor mode: $MONITOR_MODE"; nsx "$(router_path)" status --admin "$ADMIN" 2>&1 || true
  echo; echo "DNS answers inside $NS:"
  for t in "${TENANTS[@]}"; do local a; a=$(answer "$t"); echo "  $t.$ZONE -> ${a:-?} ($(region_of "$a"))"; done
}

# ---------------------------------------------------------------- faults
FAULT_KINDS="storage-unreadable storage-wiped disk-full cache-down cache-hung auth-rejected registry-killed registry-hung metadata-down region-unreachable monitor-killed"
fault_help() {
  cat <<EOF
usage: $0 fault REGION KIND [ARG]      regions: ${REGIONS[*]}
  storage-unreadable [sa-1|sa-2]  chmod 000 the account's container (default sa-1: contoso + tailwind)
  storage-wiped [sa-1|sa-2]       the account's container disappears (moved aside; heal moves it back)
  disk-full [sa-1|sa-2]           fill the account's tmpfs
  cache-down                      stop the region's redis
  cache-hung                      SIGSTOP the region's redis
  auth-rejected                   rotate the region's htpasswd (every password changes)
  registry-killed [TENANT]        kill one tenant's registry (default contoso)
  registry-hung [TENANT]          SIGSTOP one tenant's registry (default contoso)
  metadata-down                   stop the region's PostgreSQL (only contoso uses metadata search)
  region-unreachable              iptables DROP of every address of the region, inside the namespace
  monitor-killed                  kill the region's health monitor (expected: nothing moves, fail-open)
EOF
}
# The tenants a fault should move (the one watched first).
affected() { # KIND ARG
  case $1 in
    storage-*|disk-full) local a=${2:-sa-1} t out=(); for t in "${TENANTS[@]}"; do [[ ${TACCOUNT[$t]} == "$a" ]] && out+=("$t"); done; echo "${out[*]}" ;;
    registry-*) echo "${2:-contoso}" ;;
    metadata-down) echo contoso ;;
    monitor-killed) echo "" ;;
    *) echo "${TENANTS[*]}" ;;
  esac
}
ipt_rules() { # REGION: the DROP rules of region-unreachable, one per line
  local r=$1 a
  for a in "$(front "$r")" "$(redis_addr "$r")" "$(pg_addr "$r")"; do
    echo "OUTPUT -d $a/32 -m comment --comment three-regions-$r -j DROP"
  done
}

inject() { # REGION KIND ARG
  local r=$1 kind=$2 arg=$3 d; d=$(rdir "$r")
  case $kind in
    storage-unreadable) chmod 000 "$(acct_data "$r" "$arg")" ;;
    storage-wiped) local m; m=$(acct_dir "$r" "$arg"); rm -rf "$m/.wiped"; mv "$m/data" "$m/.wiped" ;;
    disk-full) dd if=/dev/zero of="$(acct_dir "$r" "$arg")/.fill" bs=1M status=none 2>/dev/null || true ;;
    cache-down) stop "redis-$r" ;;
    cache-hung) signal "redis-$r" STOP ;;
    auth-rejected)
      cp -p "$d/htpasswd" "$d/htpasswd.before-rotation"
      { htpasswd -nbB -C 5 "$USER_NAME" "rotated-$RANDOM$RANDOM"; htpasswd -nbB -C 5 "$PROBE_NAME" "rotated-$RANDOM$RANDOM"; } | grep . > "$d/htpasswd.new"
      chmod 0644 "$d/htpasswd.new"; mv "$d/htpasswd.new" "$d/htpasswd" ;;
    registry-killed) stop "registry-$r-$arg" KILL ;;
    registry-hung) signal "registry-$r-$arg" STOP ;;
    metadata-down) stop "postgres-$r" INT ;;
    region-unreachable) local rule; while read -r rule; do nsx iptables -I $rule; done < <(ipt_rules "$r") ;;
    monitor-killed) stop "monitor-$r" KILL ;;
  esac
}

repair() { # REGION KIND ARG
  local r=$1 kind=$2 arg=$3 d; d=$(rdir "$r")
  case $kind in
    storage-unreadable) chmod 0755 "$(acct_data "$r" "$arg")" ;;
    storage-wiped) local m; m=$(acct_dir "$r" "$arg")
      if [[ -d $m/.wiped ]]; then rm -rf "$m/data"; mv "$m/.wiped" "$m/data"; fi ;;
    disk-full) local m; m=$(acct_dir "$r" "$arg"); rm -f "$m/.fill"
      # A write that failed for lack of space leaves 0-byte link files the registry never repairs.
      find "$m/data" -name link -size 0 -delete 2>/dev/null || true ;;
    cache-down) rm -f "$d/faults/cache-down"; ensure_redis "$r" ;;
    cache-hung) signal "redis-$r" CONT || true ;;
    auth-rejected) [[ -f $d/htpasswd.before-rotation ]] && mv "$d/htpasswd.before-rotation" "$d/htpasswd" && touch "$d/htpasswd" ;;
    registry-killed) rm -f "$d/faults/registry-killed.$arg"; ensure_registry "$r" "$arg" ;;
    registry-hung) signal "registry-$r-$arg" CONT || true ;;
    metadata-down) rm -f "$d/faults/metadata-down"; ensure_postgres "$r" ;;
    region-unreachable) local rule; while read -r rule; do nsx iptables -D $rule 2>/dev/null || true; done < <(ipt_rules "$r") ;;
    monitor-killed) rm -f "$d/faults/monitor-killed"; ensure_monitor "$r"; wait_for 30 "monitor $r" monitor_up "$r" || true ;;
  esac
}

# watch_answer TENANT FROM_ADDR SECONDS: waits until TENANT's answer differs from FROM_ADDR; prints "EPOCH ADDR".
watch_answer() {
  local t=$1 from=$2 secs=$3 a deadline
  deadline=$(( $(date +%s%N) + secs * 1000000000 ))
  while (( $(date +%s%N) < deadline )); do
    a=$(answer "$t")
    if [[ -n $a && $a != "$from" ]]; then echo "$(now) $a"; return 0; fi
    sleep 0.2
  done
  return 1
}
# pull TENANT: one pull by name (skopeo copy to a scratch layout). Prints the answer used when it succeeds.
pull() {
  local t=$1 dst a; dst=$STATE/pulls/$t-$$
  a=$(answer "$t")
  rm -rf "$dst"
  if nsx skopeo --command-timeout 10s copy -q --src-creds "$USER_NAME:$USER_PASS" --src-tls-verify=false \
      "docker://$t.$ZONE:${TPORT[$t]}/canary:1" "oci:$dst:1" > /dev/null 2>> "$STATE/timeline/pulls.log"; then
    rm -rf "$dst"; echo "$a"; return 0
  fi
  rm -rf "$dst"; return 1
}
first_pull() { # TENANT SECONDS: prints "EPOCH ADDR" of the first successful pull
  local t=$1 secs=$2 deadline a
  deadline=$(( $(date +%s%N) + secs * 1000000000 ))
  while (( $(date +%s%N) < deadline )); do
    if a=$(pull "$t"); then echo "$(now) $a"; return 0; fi
    sleep 0.2
  done
  return 1
}

# What fault/heal need from `up`'s setup: the PostgreSQL binaries and the router.
init_env() {
  PG_BIN=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1)")
  ROUTER=$(router_path)
}

cmd_fault() {
  need_root; init_env
  local r=${1:-} kind=${2:-} arg=${3:-}
  [[ $r == help || -z $r || -z $kind ]] && { fault_help; [[ $r == help ]] && return 0; exit 2; }
  [[ -n ${OCTET[$r]:-} ]] || die "unknown region '$r' (${REGIONS[*]})" 2
  [[ " $FAULT_KINDS " == *" $kind "* ]] || { fault_help; die "unknown fault kind '$kind'" 2; }
  case $kind in
    storage-*|disk-full) arg=${arg:-sa-1}; [[ " ${ACCOUNTS[*]} " == *" $arg "* ]] || die "unknown storage account '$arg'" 2 ;;
    registry-*) arg=${arg:-contoso}; [[ -n ${TPORT[$arg]:-} ]] || die "unknown tenant '$arg'" 2 ;;
    *) arg="" ;;
  esac
  [[ -d $STATE/pids ]] || die "not up: run '$0 up' first"
  local d key; d=$(rdir "$r"); key=$kind${arg:+.$arg}
  [[ -e $d/faults/$key ]] && die "$r already has $key (heal it first)"
  local tenants watch before=() t
  tenants=$(affected "$kind" "$arg"); watch=${tenants%% *}; [[ $kind == monitor-killed ]] && watch=contoso
  for t in "${TENANTS[@]}"; do before+=("$t=$(answer "$t")"); done
  local t_fault; t_fault=$(now)
  inject "$r" "$kind" "$arg"
  echo "$arg" > "$d/faults/$key"
  log "fault injected: $r $kind${arg:+ $arg} (expected to move: ${tenants:-nothing})"
  {
    echo "REGION=$r"; echo "KIND=$kind"; echo "ARG=$arg"; echo "WATCH=$watch"; echo "T_FAULT=$t_fault"
    echo "BEFORE=\"${before[*]}\""; echo "BOUND=$BOUND"; echo "EXPECTED=\"$tenants\""; echo "MODE=$MONITOR_MODE"
  } > "$STATE/timeline/last.env"
  [[ $WATCH == 1 ]] || return 0
  local from res
  from=$(printf '%s\n' "${before[@]}" | awk -F= -v t="$watch" '$1 == t { print $2 }')
  if [[ $from != "$(front "$r")" ]]; then
    log "$watch.$ZONE answers $(region_of "$from"), not $r: nothing to move; waiting (at most $(( BOUND + 5 )) s) for $r's endpoint to degrade"
    { echo "T_ANSWER="; echo "NO_MOVE=\"$watch.$ZONE answered $(region_of "$from"), not $r: nothing to move\""; } >> "$STATE/timeline/last.env"
    [[ -z $tenants ]] || wait_for $(( BOUND + 5 )) "$watch/$r Degraded" first_event "$STATE/router/router.log" "$t_fault" "\\[3000\\] Endpoint $watch/$r is Degraded" || true
  else
    local secs=$(( BOUND + 15 )); [[ -n $tenants ]] || secs=$(( BOUND + 5 ))
    log "watching $watch.$ZONE (answers $from = $r) for up to $secs s (bound ${BOUND} s)"
    if res=$(watch_answer "$watch" "$from" "$secs"); then
      echo "T_ANSWER=${res%% *}" >> "$STATE/timeline/last.env"; echo "NEW_ANSWER=${res#* }" >> "$STATE/timeline/last.env"
      log "$watch.$ZONE now answers ${res#* } ($(region_of "${res#* }")) after $(awk "BEGIN{printf \"%.1f\", ${res%% *} - $t_fault}") s"
      if res=$(first_pull "$watch" 30); then
        echo "T_PULL=${res%% *}" >> "$STATE/timeline/last.env"; echo "PULL_ANSWER=${res#* }" >> "$STATE/timeline/last.env"
        log "pull of $watch.$ZONE:${TPORT[$watch]}/canary:1 succeeded from $(region_of "${res#* }")"
      else log "no successful pull within 30 s (see $STATE/timeline/pulls.log)"; fi
    else
      echo "T_ANSWER=" >> "$STATE/timeline/last.env"
      if [[ -n $tenants ]]; then log "$watch.$ZONE did not move within $secs s"
      else log "$watch.$ZONE did not move (as expected: $kind fails open)"; fi
    fi
  fi
  # The other tenants the fault should move, within what is left of the bound.
  local deadline=$(( ${t_fault%.*} + BOUND + 15 )) moved
  while [[ -n $tenants ]] && (( $(date +%s) < deadline )); do
    moved=1; for t in $tenants; do [[ $(answer "$t") != "$(front "$r")" ]] || moved=0; done
    (( moved )) && break; sleep 0.2
  done
  local after=(); for t in "${TENANTS[@]}"; do local a; a=$(answer "$t"); after+=("$t=$(region_of "$a")"); done
  log "answers now: ${after[*]}"
  echo "AFTER=\"${after[*]}\"" >> "$STATE/timeline/last.env"
  cmd_timeline
}

cmd_heal() {
  need_root; init_env
  local only_r=${1:-} only_k=${2:-} r f key kind arg healed=0
  [[ -z $only_r || -n ${OCTET[$only_r]:-} ]] || die "unknown region '$only_r'" 2
  local t_heal; t_heal=$(now)
  for r in "${REGIONS[@]}"; do
    [[ -z $only_r || $only_r == "$r" ]] || continue
    for f in "$(rdir "$r")"/faults/*; do
      [[ -e $f ]] || continue
      key=$(basename "$f"); kind=${key%%.*}; arg=$(cat "$f")
      [[ -z $only_k || $only_k == "$kind" ]] || continue
      repair "$r" "$kind" "$arg"; rm -f "$f"; healed=1
      log "healed: $r $kind${arg:+ $arg}"
    done
  done
  (( healed )) || { log "nothing to heal"; return 0; }
  [[ $WATCH == 1 ]] || return 0
  # Wait until every tenant answers its nearest region again (eastus, unless faults remain elsewhere).
  local secs=$(( BOUND + H_SUCCESSES * H_INTERVAL + 15 )) deadline ok t a
  deadline=$(( $(date +%s%N) + secs * 1000000000 ))
  [[ -z $(active_faults) ]] || { log "faults remain: $(active_faults | tr '\n' ' ')"; return 0; }
  while :; do
    ok=1; for t in "${TENANTS[@]}"; do [[ $(answer "$t") == "$(front "${REGIONS[0]}")" ]] || ok=0; done
    if (( ok )); then
      log "every name answers ${REGIONS[0]} again, $(awk "BEGIN{printf \"%.1f\", $(now) - $t_heal}") s after heal"
      { echo "T_HEAL=$t_heal"; echo "T_BACK=$(now)"; } >> "$STATE/timeline/last.env"
      local pulled=()
      for t in "${TENANTS[@]}"; do if a=$(pull "$t"); then pulled+=("$t:ok($(region_of "$a"))"); else pulled+=("$t:FAILED"); fi; done
      log "pulls by name: ${pulled[*]}"
      if wait_for "$secs" "every endpoint Online" all_online; then
        echo "T_ONLINE=$(now)" >> "$STATE/timeline/last.env"
        log "every endpoint Online, $(awk "BEGIN{printf \"%.1f\", $(now) - $t_heal}") s after heal"
      fi
      return 0
    fi
    (( $(date +%s%N) < deadline )) || { log "not every name is back on ${REGIONS[0]} after ${secs} s"; return 1; }
    sleep 0.2
  done
}

# ---------------------------------------------------------------- timeline
# log_epoch LINE REF: the UTC "HH:MM:SS.mmm" at the start of a log line as epoch seconds, on REF's day.
first_event() { # FILE REF_EPOCH AWK_REGEX: prints "EPOCH|message" of the first matching line at or after REF
  local file=$1 ref=$2 re=$3 day
  [[ -f $file ]] || return 1
  day=$(date -u -d "@${ref%.*}" +%s); day=$(( day - day % 86400 ))
  local out
  out=$(RE="$re" awk -v day="$day" -v ref="$ref" '
    match($0, /^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9][0-9][0-9] /) && $0 ~ ENVIRON["RE"] {
      split(substr($0, 1, 12), p, /[:.]/); t = day + p[1]*3600 + p[2]*60 + p[3] + p[4]/1000
      if (t < ref - 43200) t += 86400
      if (t >= ref - 0.5) { msg = substr($0, 14); sub(/^[a-z]+: [^ ]+\[[0-9]+\] /, "", msg); printf "%.3f|%s\n", t, msg; exit }
    }' "$file")
  [[ -n $out ]] && echo "$out"
}

cmd_timeline() {
  local f=$STATE/timeline/last.env
  [[ -f $f ]] || { echo "no fault recorded yet"; return 0; }
  local REGION KIND ARG WATCH T_FAULT BOUND EXPECTED T_ANSWER="" NEW_ANSWER="" T_PULL="" PULL_ANSWER="" AFTER="" T_HEAL="" T_BACK="" T_ONLINE="" NO_MOVE="" MODE=Probe
  # shellcheck disable=SC1090
  source "$f"
  local mlog rlog; mlog=$(rdir "$REGION")/logs/monitor.log; rlog=$STATE/router/router.log
  local rows=() origin=$T_FAULT prev=$T_FAULT e
  row() { # EPOCH STEP DETAIL (t+ from $origin, step from the previous row)
    if [[ -z $1 ]]; then rows+=("$(printf '%-12s %8s %8s  %-26s %s' '-' '-' '-' "$2" "$3")"); return; fi
    rows+=("$(printf '%-12s %+8.1f %+8.1f  %-26s %s' "$(date -u -d "@$1" +%H:%M:%S.%3N)" "$(awk "BEGIN{print $1 - $origin}")" "$(awk "BEGIN{print $1 - $prev}")" "$2" "$3")")
    prev=$1
  }
  # event VAR FILE REF REGEX STEP MISSING: a row for the first matching event at or after REF; its epoch into VAR.
  event() {
    local -n at=$1; local e; at=""
    if e=$(first_event "$2" "$3" "$4"); then at=${e%%|*}; row "$at" "$5" "${e#*|}"; else row "" "$5" "$6"; fi
  }
  # since A B: "B - A s", or "-" when either is missing.
  since() { if [[ -n $1 && -n $2 ]]; then awk "BEGIN{printf \"%.3f s\", $2 - $1}"; else echo "-"; fi; }
  local v503="" degraded="" moved="" v200="" online="" back="" ignored=""
  row "$T_FAULT" "fault injected" "$REGION $KIND${ARG:+ $ARG} (script clock)"
  event ignored "$mlog" "$T_FAULT" '\[2001\]' "resource unhealthy" "no event 2001 in $mlog"
  event v503 "$mlog" "$T_FAULT" "\\[2011\\] Registry $WATCH " "registry 503" "no event 2011 for $WATCH"
  if [[ $KIND == monitor-killed ]]; then
    event ignored "$rlog" "$T_FAULT" "\\[3001\\] Endpoint $WATCH/$REGION|\\[3032\\] " "fallback probe (fail-open)" "no event 3001/3032 (fallback probe)"
  fi
  event degraded "$rlog" "$T_FAULT" "\\[3000\\] Endpoint $WATCH/$REGION is Degraded" "endpoint degraded" "no event 3000 for $WATCH/$REGION"
  event moved "$rlog" "$T_FAULT" "\\[3607\\] Profile $WATCH A answer" "answer changed (router)" "no AnswerChanged event (3607) in this router build: taken from dig below"
  if [[ -n $T_ANSWER ]]; then row "$T_ANSWER" "answer changed (dig)" "$WATCH.$ZONE -> $NEW_ANSWER ($(region_of "$NEW_ANSWER")), seen by polling dig every 0.2 s"
  else row "" "answer changed" "${NO_MOVE:-not observed within the watch (watched $WATCH)}"; fi
  if [[ -n $T_PULL ]]; then row "$T_PULL" "first successful pull" "skopeo copy by name, answered $PULL_ANSWER ($(region_of "$PULL_ANSWER"))"
  else row "" "first successful pull" "none recorded"; fi
  local how="one probe of /health/registries/$WATCH per region: up to (interval + timeout) x (tolerated + 1) after the verdict"
  [[ $MODE == Batch ]] && how="the long poll of each region's /health/registries: goal < 1 s after the verdict"
  echo
  echo "Failover timeline of the last fault: $REGION $KIND${ARG:+ $ARG}; watched $WATCH.$ZONE (expected to move: ${EXPECTED:-nothing}); router monitor mode $MODE; bound ${BOUND} s"
  printf '%-12s %8s %8s  %-26s %s\n' "UTC" "t+ (s)" "step (s)" "step" "detail"
  printf '%s\n' "${rows[@]}"
  echo "after the monitor's verdict (registry 503): endpoint degraded $(since "$v503" "$degraded"), answer changed (router) $(since "$v503" "$moved") ($MODE mode: $how)"
  [[ -n $AFTER ]] && echo "answers after the fault: $AFTER"
  [[ -n $T_HEAL ]] || return 0
  rows=(); origin=$T_HEAL; prev=$T_HEAL
  row "$T_HEAL" "heal" "every recorded fault repaired (script clock)"
  event ignored "$mlog" "$T_HEAL" '\[2000\]' "resource healthy" "no event 2000 in $mlog"
  event v200 "$mlog" "$T_HEAL" "\\[2010\\] Registry $WATCH " "registry 200" "no event 2010 for $WATCH"
  event online "$rlog" "$T_HEAL" "\\[3000\\] Endpoint $WATCH/$REGION is Online" "endpoint online" "no event 3000 for $WATCH/$REGION"
  event back "$rlog" "$T_HEAL" "\\[3607\\] Profile $WATCH A answer" "answer changed (router)" "no AnswerChanged event (3607) after heal"
  if [[ -n $T_BACK ]]; then row "$T_BACK" "every name back (dig)" "every name answers ${REGIONS[0]} again, seen by polling dig every 0.2 s"; fi
  if [[ -n $T_ONLINE ]]; then row "$T_ONLINE" "every endpoint online" "the admin API lists every endpoint Online"; fi
  echo
  echo "Heal timeline: $REGION $KIND${ARG:+ $ARG}; watched $WATCH.$ZONE; router monitor mode $MODE"
  printf '%-12s %8s %8s  %-26s %s\n' "UTC" "t+ (s)" "step (s)" "step" "detail"
  printf '%s\n' "${rows[@]}"
  echo "after the monitor's verdict (registry 200): endpoint online $(since "$v200" "$online"), answer changed (router) $(since "$v200" "$back")"
  [[ -n $T_BACK ]] && echo "healed: every name back on ${REGIONS[0]} $(awk "BEGIN{printf \"%.1f\", $T_BACK - $T_HEAL}") s after heal"
  [[ -n $T_ONLINE ]] && echo "healed: every endpoint Online $(awk "BEGIN{printf \"%.1f\", $T_ONLINE - $T_HEAL}") s after heal"
  return 0
}

# ---------------------------------------------------------------- the kill switch
# deep-evaluation REGION [enabled|disabled]: sets the region monitor's Health:DeepEvaluation. The generated monitor.json
# changes, the running monitor reloads it (event 2020) and, while Disabled, answers 200 for every registry (fail-open)
# whatever its probes find. Kept by a marker in the state dir, so a later `up` keeps it. Without a mode: prints it.
cmd_deep_evaluation() {
  local r=${1:-} mode=${2:-} d marker before t0
  [[ -n $r && -n ${OCTET[$r]:-} ]] || die "usage: $0 deep-evaluation REGION [enabled|disabled]   (regions: ${REGIONS[*]})" 2
  if [[ -z $mode ]]; then echo "$r: $(deep_mode "$r")"; return 0; fi
  need_root
  [[ -d $STATE/pids ]] || die "not up: run '$0 up' first"
  d=$(rdir "$r"); marker=$d/deep-evaluation.disabled
  case ${mode,,} in
    enabled) rm -f "$marker"; mode=Enabled ;;
    disabled) touch "$marker"; mode=Disabled ;;
    *) die "usage: $0 deep-evaluation REGION [enabled|disabled]" 2 ;;
  esac
  before=$(cat "$d/monitor.json" 2>/dev/null || true); t0=$(now)
  monitor_config "$r" | write_if_changed "$d/monitor.json"
  if [[ $(cat "$d/monitor.json") == "$before" ]]; then log "deep evaluation in $r is already $mode"; return 0; fi
  if ! alive "monitor-$r" > /dev/null; then log "deep evaluation in $r: $mode (the monitor is not running; it starts with it)"; return 0; fi
  wait_for 15 "the $r monitor to reload" first_event "$d/logs/monitor.log" "$t0" "\\[2020\\] Deep evaluation for \\(all registries\\) switched to $mode" \
    || die "the $r monitor did not log the switch to $mode within 15 s (see $d/logs/monitor.log)"
  log "deep evaluation in $r: $mode (the monitor reloaded $d/monitor.json)"
}

# ---------------------------------------------------------------- down
cmd_down() {
  need_root
  local r t a m pids=() t0; t0=$(now)
  # Clients of a tier first, each tier in parallel: routers, then registries, then caches and databases.
  stop router & pids+=($!)
  for r in "${REGIONS[@]}"; do stop "monitor-$r" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || true; done; pids=()
  for r in "${REGIONS[@]}"; do for t in "${TENANTS[@]}"; do stop "registry-$r-$t" & pids+=($!); done; done
  for p in "${pids[@]}"; do wait "$p" || true; done; pids=()
  for r in "${REGIONS[@]}"; do stop "redis-$r" & pids+=($!); stop "postgres-$r" INT & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || true; done
  if [[ -d $STATE/regions ]]; then
    for r in "${REGIONS[@]}"; do for a in "${ACCOUNTS[@]}"; do
      m=$(acct_dir "$r" "$a"); mountpoint -q "$m" 2>/dev/null && umount "$m"
    done; done
  fi
  if ip netns list | awk '{print $1}' | grep -qx "$NS"; then ip netns delete "$NS"; fi
  rm -rf "/etc/netns/$NS"
  if [[ -f $STATE/.three-regions ]]; then
    if grep -q " $STATE/" /proc/mounts; then die "something is still mounted under $STATE; not removing it"; fi
    rm -rf "${STATE:?}"
  fi
  log "down in $(awk "BEGIN{printf \"%.1f\", $(now) - $t0}") s"
}

case ${1:-} in
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  status) shift; cmd_status "$@" ;;
  fault) shift; cmd_fault "$@" ;;
  heal) shift; cmd_heal "$@" ;;
  timeline) shift; cmd_timeline "$@" ;;
  deep-evaluation) shift; cmd_deep_evaluation "$@" ;;
  config) shift; case ${1:-router} in router) router_config ;; monitor) [[ -n ${OCTET[${2:-}]:-} ]] || die "usage: $0 config monitor REGION" 2; monitor_config "$2" ;;
            *) die "usage: $0 config [router | monitor REGION]" 2 ;; esac ;;
  exec) shift; [[ $# -gt 0 ]] || die "usage: $0 exec CMD..." 2; exec ip netns exec "$NS" "$@" ;;
  *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
