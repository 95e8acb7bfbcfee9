#!/usr/bin/env bash
# Captures the DNS seed corpus: real dig/kdig queries and knotd responses (a DNSSEC-signed zone), UDP messages and
# TCP streams, through dns-proxy.py on loopback. Usage: tests/fuzz/seeds/capture-dns.sh OUT_DIR
set -euo pipefail
out=$(realpath -m "$1"); here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
knot_port=$((20000 + RANDOM % 10000)); proxy_port=$((knot_port + 1))
mkdir -p "$work/db" "$work/run"
cat > "$work/registry.test.zone" <<'ZONE'
$ORIGIN registry.test.
$TTL 300
@        SOA ns1 hostmaster 2026120701 3600 600 86400 60
@        NS  ns1
ns1      A   127.0.0.53
@        MX  10 mail
@        TXT "v=spf1 -all" "second string"
@        CAA 0 issue "letsencrypt.org"
mail     A   127.0.0.25
eastus   A   127.0.0.11
eastus   AAAA 2001:db8::11
westeurope A 127.0.0.12
contoso  CNAME eastus
chain    CNAME contoso
_registry._tcp SRV 0 5 443 eastus
*.wild   A   127.0.0.99
11.0.0.127 PTR eastus
host     HINFO "PC" "Linux"
big      TXT "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
ZONE
cat > "$work/knot.conf" <<CONF
server:
    listen: 127.0.0.1@$knot_port
    rundir: "$work/run"
database:
    storage: "$work/db"
acl:
  - id: any
    address: 127.0.0.0/8
    action: transfer
zone:
  - domain: registry.test
    file: "$work/registry.test.zone"
    dnssec-signing: on
    acl: any
CONF
knotd -c "$work/knot.conf" >"$work/knot.log" 2>&1 &
python3 "$here/dns-proxy.py" "$proxy_port" "$knot_port" "$out" &
for _ in $(seq 50); do dig +short +tries=1 +time=1 @127.0.0.1 -p "$knot_port" eastus.registry.test A >/dev/null 2>&1 && break; sleep 0.2; done
d() { dig +tries=1 +time=2 @127.0.0.1 -p "$proxy_port" "$@" >/dev/null || true; }
k() { kdig +retry=0 +time=2 @127.0.0.1 -p "$proxy_port" "$@" >/dev/null || true; }
d eastus.registry.test A
d eastus.registry.test AAAA +dnssec
d contoso.registry.test A +subnet=192.0.2.0/24
d chain.registry.test A +dnssec +cookie
d registry.test MX +nsid
d registry.test TXT +norec
d registry.test CAA
d registry.test SOA +dnssec
d registry.test NS
d registry.test DNSKEY +dnssec
d registry.test ANY
d _registry._tcp.registry.test SRV
d x.wild.registry.test A +dnssec
d missing.registry.test A +dnssec
d 11.0.0.127.registry.test PTR
d host.registry.test HINFO
d big.registry.test TXT +bufsize=512 +ignore
d eastus.registry.test A +edns=1
d eastus.registry.test A +subnet=2001:db8::/56 +noedns
d example.com A
d registry.test AXFR
k eastus.registry.test A +tcp
k registry.test TXT +tcp +dnssec
k contoso.registry.test A +subnet=198.51.100.7/32
k registry.test NSEC +dnssec
k missing.registry.test AAAA +tcp +dnssec
d eastus.registry.test A +opcode=notify
k registry.test IXFR=2026120700 +tcp
sleep 1
kill %2 2>/dev/null || true; wait %2 2>/dev/null || true
# Several queries on one connection (RFC 7766 pipelining): the TCP streams captured above, one after another.
cat "$out"/tcp-stream-*.bin > "$out/tcp-stream-pipelined.bin"
echo "captured $(find "$out" -type f | wc -l) files in $out"
