#!/usr/bin/env bash
# Installs what the tests need (when missing) and runs every test of Router.sln.
# Usage: tests/run-all.sh [extra dotnet test arguments]
# Exit code: 0 when every test passed. Prints a closing "N passed, N failed, N skipped" line.
set -euo pipefail
cd "$(dirname "$0")/.."

# Real components the tests drive: dig (bind9-dnsutils), kdig (knot-dnsutils), knotd (knot) for DNS; redis-server,
# PostgreSQL, the CNCF distribution registry (docker-registry) and htpasswd (apache2-utils) for the health checks;
# etcd and etcdctl (etcd-server, etcd-client) for the cluster store's 3-member test cluster; the Perl MaxMind DB writer
# (libmaxmind-db-writer-perl) for the small country databases of the geographic routing tests; and
# for the end-to-end suite (tests/Router.EndToEndTests, samples/three-regions) the prerequisites of the sample:
# skopeo (the client), iproute2 (network namespace), iptables (region-unreachable), curl, jq, setpriv (util-linux);
# and procps (kill, sysctl), which a minimal Debian (debootstrap --variant=minbase, slim containers) does not have.
packages=(bind9-dnsutils knot-dnsutils knot redis-server redis-tools postgresql docker-registry apache2-utils
          etcd-server etcd-client libmaxmind-db-writer-perl skopeo iproute2 iptables curl jq util-linux procps)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "run-all: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
      echo "run-all: need root (or sudo) to apt-get install ${missing[*]}" >&2; exit 1
    fi
  else SUDO=""; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  }
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test Router.sln -c Release --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One closing line summed over the test projects ("Passed!  - Failed: 0, Passed: 49, Skipped: 0, ...").
read -r passed failed skipped < <(awk '
  /(Passed|Failed)! +- Failed: / {
    gsub(",", ""); for (i = 1; i <= NF; i++) {
      if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
  END { print p + 0, f + 0, s + 0 }' "$log")
# The failing tests again at the end, with their messages, so a log that keeps only its tail still names them.
if [ "$failed" -gt 0 ]; then
  echo "Failed tests, with their messages (at most 200 lines):"
  awk '/^  Failed [^ ]/ { n = 8 } n > 0 && printed < 200 { print; n--; printed++ }' "$log"
  echo "Failed tests:"
  grep -E '^  Failed [^ ]' "$log" | sed -E 's/^  Failed /  /' || true
fi
echo "Tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "run-all: no test ran" >&2; exit 1
fi
exit "$status"
