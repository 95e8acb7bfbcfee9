#!/usr/bin/env bash
# cluster.sh — three routers that agree, on a three-member etcd cluster, in a network namespace of their own.
#
#   cluster.sh up                          etcd x3, a health monitor per region, routers x3 (one config), a parent zone
#   cluster.sh status                      processes, each instance's `router status`, each instance's DNS answer
#   cluster.sh switch ENDPOINT on|off [N]  a manual switch through instance N's admin API (default 1); shows all answers
#   cluster.sh fault REGION | heal [REGION] the region's registry really fails (its storage disappears) / comes back
#   cluster.sh etcd stop|start|kill [M]    all etcd members (default) or member M (1-3); `kill leader` kills the leader
#   cluster.sh instance kill|start N       SIGKILL router-N (its lease then expires) / start it again
#   cluster.sh answers                     what each instance answers for contoso.tm.cluster.test, once
#   cluster.sh exec CMD...                 run CMD inside the namespace (resolv.conf names the three instances)
#   cluster.sh config                      print the one router configuration
#   cluster.sh down                        stop exactly what `up` started (by PID), delete the namespace and the state
#
# Settings (environment): CLUSTER_NETNS (routerclu), CLUSTER_DIR (/tmp/router-cluster), ROUTER_BIN (a copy of
# src/Router.Cli's Release build, built once when missing), CLUSTER_QUORUM (Majority), CLUSTER_LEASE_SECONDS (10).
set -euo pipefail

NS=${CLUSTER_NETNS:-routerclu}
STATE=${CLUSTER_DIR:-/tmp/router-cluster}
STATE=${STATE%/}
[[ $STATE == /?*/* || $STATE == /tmp?* ]] || { echo "cluster: CLUSTER_DIR must be an absolute path below a top-level directory" >&2; exit 2; }
QUORUM=${CLUSTER_QUORUM:-Majority}
LEASE=${CLUSTER_LEASE_SECONDS:-10}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# router_bin, router_path (shared with samples/three-regions)
# shellcheck source=../lib/router-bin.sh
source "$HERE/../lib/router-bin.sh"

REGIONS=(eastus westeurope eastasia)
declare -A OCTET=([eastus]=11 [westeurope]=12 [eastasia]=13)
INSTANCES=(1 2 3)
ETCD_MEMBERS=(1 2 3)
PARENT=cluster.test                 # the parent zone (knotd on $PARENT_ADDR), delegating $TM_ZONE to ns1-ns3
TM_ZONE=tm.$PARENT
PARENT_ADDR=127.0.0.40
MONITOR_PORT=8081
NOBODY=65534
# Probing as in samples/three-regions (a failover in seconds); the profile's answers live 5 s in caches.
TM_INTERVAL=2 TM_TIMEOUT=1 TM_TOLERATED=1 TM_TTL=5

etcd_addr() { echo "127.0.0.3$1"; }          # member M: client :2379, peer :2380
ns_addr() { echo "127.0.0.4$1"; }            # router-N: DNS :53 (nsN.$TM_ZONE), admin :8053
front() { echo "127.0.0.${OCTET[$1]}"; }     # region: the endpoint's target and its health monitor (:8081)
admin() { echo "http://$(ns_addr "$1"):8053"; }
etcd_endpoints() { local m out=""; for m in "${ETCD_MEMBERS[@]}"; do out+="${out:+,}http://$(etcd_addr "$m"):2379"; done; echo "$out"; }

log() { printf '%s %s\n' "$(date -u +%H:%M:%S.%3N)" "$*" >&2; }
die() { printf 'cluster: %s\n' "$1" >&2; exit "${2:-1}"; }
nsx() { ip netns exec "$NS" "$@"; }
need_root() { [[ $(id -u) == 0 ]] || die "run as root (network namespace, daemons dropped to nobody)"; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# ---------------------------------------------------------------- processes: PID files hold "PID STARTTIME"
pidfile() { echo "$STATE/pids/$1.pid"; }
starttime() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; set -- $s; echo "${20}"; }
alive() { # NAME: prints the PID while the recorded process (same PID and start time) runs
  local f pid st
  f=$(pidfile "$1"); [[ -s $f ]] || return 1
  read -r pid st < "$f" || return 1
  [[ $(starttime "$pid" 2>/dev/null) == "$st" ]] || return 1
  [[ $(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) != Z ]] || return 1
  echo "$pid"
}
spawn() { # NAME LOG CMD...: in the namespace, in a session of its own; every step exec()s, so $! is the daemon
  local name=$1 logf=$2 pid st=""; shift 2
  ( cd / && exec ip netns exec "$NS" setsid "$@" ) >> "$logf" 2>&1 < /dev/null &
  pid=$!
  for _ in $(seq 1 50); do st=$(starttime "$pid" 2>/dev/null) && break; sleep 0.01; done
  echo "$pid $st" > "$(pidfile "$name")"
}
stop() { # NAME [SIG]: SIG (TERM) to the recorded process only, at most 5 s, then KILL
  local name=$1 sig=${2:-TERM} pid
  if pid=$(alive "$name"); then
    kill -s "$sig" "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do alive "$name" > /dev/null || break; sleep 0.1; done
    if alive "$name" > /dev/null; then log "$name did not stop in 5 s: KILL"; kill -s KILL "$pid" 2>/dev/null || true; sleep 0.1; fi
  fi
  rm -f "$(pidfile "$name")"
}
wait_for() { # SECONDS WHAT CMD...: bounded polling (every 50 ms)
  local secs=$1 what=$2 deadline; shift 2
  deadline=$(( $(date +%s%N) + secs * 1000000000 ))
  until "$@" > /dev/null 2>&1; do
    (( $(date +%s%N) < deadline )) || { log "timed out after ${secs} s waiting for $what"; return 1; }
    sleep 0.05
  done
}

# ---------------------------------------------------------------- prerequisites and the router binary
check_prereqs() {
  local missing=() pair
  for pair in etcd:etcd-server etcdctl:etcd-client ip:iproute2 dig:bind9-dnsutils curl:curl jq:jq setpriv:util-linux; do
    command -v "${pair%%:*}" > /dev/null || missing+=("${pair#*:}")
  done
  ((${#missing[@]} == 0)) || die "missing packages: ${missing[*]}
  install them:   apt-get install -y --no-install-recommends ${missing[*]}"
  command -v knotd > /dev/null || log "knotd not found (apt-get install knot): the parent zone $PARENT is left out"
}
router_env=(env HOME="$STATE/home" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_gcServer=0)
as_nobody=(setpriv "--reuid=$NOBODY" "--regid=$NOBODY" --clear-groups)

# ---------------------------------------------------------------- configuration
# The ONE configuration of the three instances. What differs per instance is set in its environment (instance_env).
router_config() {
  local r eps="" lat=""
  for r in "${REGIONS[@]}"; do
    eps+="${eps:+,$'\n'          }{ \"Name\": \"$r\", \"Location\": \"$r\", \"Target\": \"$(front "$r")\" }"
    lat+="${lat:+, }\"$r\": $(( ${OCTET[$r]} * 10 - 100 ))"
  done
  local m ends=""; for m in "${ETCD_MEMBERS[@]}"; do ends+="${ends:+, }\"http://$(etcd_addr "$m"):2379\""; done
  cat <<EOF
{
  "Dns": { "Listen": [ "$(ns_addr 1):53" ], "Zones": [], "Forwarding": { "Enabled": false } },
  "TrafficManager": {
    "Zone": "$TM_ZONE",
    "LatencyTable": [ { "Network": "127.0.0.0/8", "Latencies": { $lat } } ],
    "Profiles": [
      { "Name": "contoso", "RoutingMethod": "Performance", "Ttl": $TM_TTL,
        "Monitor": { "Protocol": "Http", "Port": $MONITOR_PORT, "Path": "/health/registries/contoso",
                     "IntervalSeconds": $TM_INTERVAL, "TimeoutSeconds": $TM_TIMEOUT, "ToleratedFailures": $TM_TOLERATED },
        "Endpoints": [
          $eps ] }
    ]
  },
  "Admin": { "Listen": "$(admin 1)", "StateFile": "$STATE/instances/router-1/router-state.json" },
  "Cluster": {
    "Endpoints": [ $ends ],
    "Prefix": "/router/",
    "InstanceId": "router-1",
    "Quorum": "$QUORUM",
    "LeaseSeconds": $LEASE
  },
  "Logging": { "LogLevel": { "Default": "Information" } }
}
EOF
}
instance_env() { # N: what differs for router-N, as environment overrides of the one file
  echo "Router__Cluster__InstanceId=router-$1" "Router__Dns__Listen__0=$(ns_addr "$1"):53" \
    "Router__Admin__Listen=$(admin "$1")" "Router__Admin__StateFile=$STATE/instances/router-$1/router-state.json"
}
monitor_config() { # REGION: a deep health monitor whose one registry depends on a directory (the "storage")
  cat <<EOF
{
  "Health": {
    "Region": "$1",
    "Listen": "http://$(front "$1"):$MONITOR_PORT",
    "Evaluation": { "IntervalSeconds": 1, "TimeoutSeconds": 0.5, "FailuresToUnhealthy": 2, "SuccessesToHealthy": 1 },
    "Resources": [ { "Id": "storage", "Kind": "Storage", "Check": { "Type": "Filesystem", "Path": "$STATE/regions/$1/storage" } } ],
    "Registries": [ { "Name": "contoso", "Storage": "storage" } ]
  },
  "Logging": { "LogLevel": { "Default": "Warning" } }
}
EOF
}
parent_zone() { # the parent zone: the delegation of $TM_ZONE to the three instances, with A glue
  local n
  printf '$ORIGIN %s.\n$TTL 300\n' "$PARENT"
  printf '@        SOA  ns.%s. hostmaster.%s. 1 3600 600 604800 300\n@        NS   ns.%s.\nns       A    %s\n' "$PARENT" "$PARENT" "$PARENT" "$PARENT_ADDR"
  for n in "${INSTANCES[@]}"; do printf 'tm       NS   ns%s.tm.%s.\n' "$n" "$PARENT"; done
  for n in "${INSTANCES[@]}"; do printf 'ns%s.tm   A    %s\n' "$n" "$(ns_addr "$n")"; done
  printf 'contoso  CNAME contoso.tm.%s.\n' "$PARENT"
}

# ---------------------------------------------------------------- pieces
ensure_netns() {
  ip netns list | awk '{print $1}' | grep -qx "$NS" || ip netns add "$NS"
  ip -n "$NS" link set lo up
  nsx sysctl -qw net.ipv4.ip_unprivileged_port_start=0
  mkdir -p "/etc/netns/$NS"
  { local n; for n in "${INSTANCES[@]}"; do echo "nameserver $(ns_addr "$n")"; done; echo "options timeout:1 attempts:1"; } > "/etc/netns/$NS/resolv.conf"
}
etcd_cluster() { local m out=""; for m in "${ETCD_MEMBERS[@]}"; do out+="${out:+,}etcd-$m=http://$(etcd_addr "$m"):2380"; done; echo "$out"; }
ensure_etcd() { # M: same data dir and addresses every time, so a restarted member rejoins
  local m=$1 d=$STATE/etcd/$1 st=new
  alive "etcd-$m" > /dev/null && return
  mkdir -p "$d"; chown $NOBODY:$NOBODY "$d"; chmod 0700 "$d"
  [[ -d $d/data/member ]] && st=existing
  spawn "etcd-$m" "$STATE/logs/etcd-$m.log" "${as_nobody[@]}" etcd --name "etcd-$m" --data-dir "$d/data" \
    --listen-client-urls "http://$(etcd_addr "$m"):2379" --advertise-client-urls "http://$(etcd_addr "$m"):2379" \
    --listen-peer-urls "http://$(etcd_addr "$m"):2380" --initial-advertise-peer-urls "http://$(etcd_addr "$m"):2380" \
    --initial-cluster "$(etcd_cluster)" --initial-cluster-state "$st" --initial-cluster-token router-cluster-sample \
    --heartbeat-interval 100 --election-timeout 1000 --logger zap --log-outputs stderr
}
etcd_healthy() { nsx etcdctl --endpoints "$(etcd_endpoints)" --command-timeout=2s endpoint health > /dev/null 2>&1; }
etcd_leader() { # prints the member number of the leader
  nsx etcdctl --endpoints "$(etcd_endpoints)" --command-timeout=2s endpoint status -w json 2>/dev/null |
    jq -r '.[] | select(.Status.leader == .Status.header.member_id) | .Endpoint' | sed -E 's#http://127\.0\.0\.3([0-9]):2379#\1#'
}
ensure_monitor() { # REGION
  local r=$1 d=$STATE/regions/$1
  mkdir -p "$d/storage"; chown $NOBODY:$NOBODY "$d" "$d/storage"
  monitor_config "$r" > "$d/monitor.json"
  alive "monitor-$r" > /dev/null && return
  spawn "monitor-$r" "$STATE/logs/monitor-$r.log" "${as_nobody[@]}" "${router_env[@]}" "$ROUTER" serve --config "$d/monitor.json"
}
ensure_instance() { # N
  local n=$1
  mkdir -p "$STATE/instances/router-$n"; chown $NOBODY:$NOBODY "$STATE/instances/router-$n"
  alive "router-$n" > /dev/null && return
  # shellcheck disable=SC2046 # one word per variable
  spawn "router-$n" "$STATE/logs/router-$n.log" "${as_nobody[@]}" "${router_env[@]}" $(instance_env "$n") \
    "$ROUTER" serve --config "$STATE/router.json"
}
ensure_parent() {
  command -v knotd > /dev/null || return 0
  alive parent > /dev/null && return
  local d=$STATE/parent; mkdir -p "$d/db" "$d/run"
  parent_zone > "$d/$PARENT.zone"
  cat > "$d/knot.conf" <<EOF
server:
    listen: $PARENT_ADDR@53
    rundir: "$d/run"
log:
  - target: stderr
    any: warning
database:
    storage: "$d/db"
zone:
  - domain: $PARENT
    file: "$d/$PARENT.zone"
EOF
  chown -R $NOBODY:$NOBODY "$d"
  spawn parent "$STATE/logs/parent.log" "${as_nobody[@]}" knotd -c "$d/knot.conf"
}
answer() { nsx dig +short +time=1 +tries=1 "@$(ns_addr "$1")" "contoso.$TM_ZONE" 2>/dev/null | grep -E '^[0-9.]+$' | head -1; }
region_of() { local r; for r in "${REGIONS[@]}"; do [[ $(front "$r") == "$1" ]] && { echo "$r"; return; }; done; echo "${1:-no answer}"; }
instance_up() { [[ -n $(answer "$1") ]] && nsx curl -sf -m 1 -o /dev/null "$(admin "$1")/api/cluster"; }
answers() { local n a out=""; for n in "${INSTANCES[@]}"; do a=$(answer "$n"); out+="router-$n=$(region_of "$a") "; done; echo "${out% }"; }

# ---------------------------------------------------------------- commands
cmd_up() {
  need_root
  local t0; t0=$(date +%s%N)
  if [[ -d $STATE && ! -f $STATE/.router-cluster && -n $(ls -A "$STATE") ]]; then die "$STATE exists and is not ours (no .router-cluster marker)"; fi
  mkdir -p "$STATE"/{pids,logs,etcd,regions,instances,home}; chmod 0755 "$STATE"; touch "$STATE/.router-cluster"
  chown $NOBODY:$NOBODY "$STATE/home"
  check_prereqs
  router_bin
  ensure_netns
  router_config > "$STATE/router.json"
  "$ROUTER" validate --config "$STATE/router.json" >&2 || die "invalid generated configuration (nothing started with it)" 2
  local m r n
  for m in "${ETCD_MEMBERS[@]}"; do ensure_etcd "$m"; done
  for r in "${REGIONS[@]}"; do ensure_monitor "$r"; done
  ensure_parent
  wait_for 30 "etcd (3 members healthy)" etcd_healthy || die "etcd did not start, see $STATE/logs/etcd-*.log"
  log "etcd up ($(ms_since "$t0") ms)"
  for n in "${INSTANCES[@]}"; do ensure_instance "$n"; done
  for n in "${INSTANCES[@]}"; do wait_for 60 "router-$n" instance_up "$n" || die "router-$n does not answer, see $STATE/logs/router-$n.log"; done
  log "up in $(ms_since "$t0") ms (namespace $NS, state $STATE): $(answers)"
  cat <<EOF

  Try:
    $0 status                          # each instance: "cluster: connected, 3 instances (...); this is router-N", views per endpoint
    $0 switch eastus off 1             # disabled through router-1; router-2 and router-3 answer westeurope at once
    $0 switch eastus on 1
    $0 fault eastus; $0 heal eastus    # a real failure: all three move, and come back
    $0 etcd stop                       # "cluster: local view since ..." on every instance; answers unchanged
    $0 switch eastus off 2             # refused with 503 while etcd is down
    $0 etcd start                      # connected again within 2 s
    $0 exec dig +norec @$PARENT_ADDR contoso.$TM_ZONE   # the parent's referral: NS ns1-ns3.$TM_ZONE with A glue
EOF
}

cmd_status() {
  [[ -d $STATE/pids ]] || { echo "not up (no $STATE)"; return 0; }
  printf '%-20s %-8s %s\n' PROCESS PID RSS
  local f name pid n
  for f in "$STATE"/pids/*.pid; do
    [[ -e $f ]] || continue; name=$(basename "$f" .pid)
    if pid=$(alive "$name"); then printf '%-20s %-8s %s\n' "$name" "$pid" "$(awk '/VmRSS/ {printf "%d MB", $2/1024}' "/proc/$pid/status")"
    else printf '%-20s %-8s\n' "$name" gone; fi
  done
  local leader; leader=$(etcd_leader || true); echo
  if [[ -n $leader ]]; then echo "etcd leader: etcd-$leader"; else echo "etcd leader: none (etcd unreachable)"; fi
  for n in "${INSTANCES[@]}"; do
    echo; echo "===== router-$n ($(admin "$n"), DNS $(ns_addr "$n"):53)"
    if alive "router-$n" > /dev/null; then nsx "$(router_path)" status --admin "$(admin "$n")" 2>&1 || true; else echo "not running"; fi
  done
  echo; echo "answers for contoso.$TM_ZONE: $(answers)"
}

cmd_switch() {
  need_root
  local ep=${1:-} state=${2:-} n=${3:-1} enabled
  [[ -n ${OCTET[$ep]:-} && ( $state == on || $state == off ) && -n $n ]] || die "usage: $0 switch ENDPOINT on|off [N]   (endpoints: ${REGIONS[*]})" 2
  [[ $state == on ]] && enabled=true || enabled=false
  local t0 code; t0=$(date +%s%N)
  code=$(nsx curl -s -m 5 -o "$STATE/switch.out" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
    --data "{\"enabled\": $enabled}" "$(admin "$n")/api/profiles/contoso/endpoints/$ep" || true)
  log "PUT $ep enabled=$enabled on router-$n: $code $(head -c 300 "$STATE/switch.out")"
  [[ $code == 200 ]] || return 1
  local deadline=$(( $(date +%s) + 5 )) before
  before=$(answers); log "answers right after: $before"
  while (( $(date +%s) < deadline )); do
    local now; now=$(answers)
    [[ $now != "$before" ]] && { log "answers $(ms_since "$t0") ms after the PUT: $now"; before=$now; }
    sleep 0.1
  done
}

cmd_fault() { # REGION: its storage directory disappears, so its monitor answers 503 for contoso
  need_root
  local r=${1:-} d; [[ -n ${OCTET[$r]:-} ]] || die "usage: $0 fault REGION   (${REGIONS[*]})" 2
  d=$STATE/regions/$r
  [[ -d $d/storage ]] || die "$r already failed (heal it)"
  mv "$d/storage" "$d/storage.failed"
  log "$r: storage gone; its monitor turns 503 after 2 checks, then the routers' probes fail"
  watch_answers 20
}
cmd_heal() {
  need_root
  local r d; for r in "${REGIONS[@]}"; do
    [[ -z ${1:-} || $1 == "$r" ]] || continue
    d=$STATE/regions/$r; [[ -d $d/storage.failed ]] && { mv "$d/storage.failed" "$d/storage"; log "$r: healed"; }
  done
  watch_answers 15
}
watch_answers() { # SECONDS: prints the answers whenever they change
  local deadline=$(( $(date +%s) + $1 )) t0 last="" now; t0=$(date +%s%N)
  while (( $(date +%s) < deadline )); do
    now=$(answers); [[ $now != "$last" ]] && { log "+$(ms_since "$t0") ms: $now"; last=$now; }
    sleep 0.2
  done
}

cmd_etcd() {
  need_root
  local what=${1:-} m=${2:-} members=()
  [[ -n $m ]] && members=("$m") || members=("${ETCD_MEMBERS[@]}")
  case $what in
    stop) for m in "${members[@]}"; do stop "etcd-$m"; log "etcd-$m stopped"; done ;;
    kill)
      if [[ ${members[0]} == leader ]]; then members=("$(etcd_leader)"); [[ -n ${members[0]} ]] || die "no leader found"; fi
      for m in "${members[@]}"; do stop "etcd-$m" KILL; log "etcd-$m killed"; done ;;
    start)
      ROUTER=$(router_path)
      local t0; t0=$(date +%s%N)
      for m in "${members[@]}"; do ensure_etcd "$m"; done
      wait_for 30 "etcd healthy" etcd_healthy && log "etcd healthy after $(ms_since "$t0") ms" ;;
    *) die "usage: $0 etcd stop|start|kill [MEMBER|leader]" 2 ;;
  esac
}

cmd_instance() {
  need_root
  local what=${1:-} n=${2:-}
  [[ $n == [123] ]] || die "usage: $0 instance kill|start N" 2
  ROUTER=$(router_path)
  case $what in
    kill) stop "router-$n" KILL; log "router-$n killed (its lease expires within $LEASE s)" ;;
    start) ensure_instance "$n"; wait_for 60 "router-$n" instance_up "$n" && log "router-$n up: $(answers)" ;;
    *) die "usage: $0 instance kill|start N" 2 ;;
  esac
}

cmd_down() {
  need_root
  [[ -d $STATE ]] || { log "nothing to stop ($STATE does not exist)"; ip netns delete "$NS" 2>/dev/null || true; return 0; }
  [[ -f $STATE/.router-cluster ]] || die "$STATE is not ours (no .router-cluster marker)"
  local f
  for f in "$STATE"/pids/router-*.pid "$STATE"/pids/monitor-*.pid "$STATE"/pids/parent.pid "$STATE"/pids/etcd-*.pid; do
    [[ -e $f ]] && stop "$(basename "$f" .pid)"
  done
  ip netns delete "$NS" 2>/dev/null || true
  rm -rf "/etc/netns/$NS" "$STATE"
  log "down"
}

case ${1:-} in
  up) cmd_up ;;
  status) cmd_status ;;
  switch) shift; cmd_switch "$@" ;;
  fault) shift; cmd_fault "$@" ;;
  heal) shift; cmd_heal "$@" ;;
  etcd) shift; cmd_etcd "$@" ;;
  instance) shift; cmd_instance "$@" ;;
  answers) answers ;;
  exec) shift; need_root; nsx "$@" ;;
  config) router_config ;;
  down) cmd_down ;;
  *) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; [[ -z ${1:-} || $1 == help ]] || exit 2 ;;
esac
