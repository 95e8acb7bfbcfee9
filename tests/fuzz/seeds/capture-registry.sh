#!/usr/bin/env bash
# Captures the registry seed corpus from a real docker-registry (CNCF distribution) on loopback, configured as the
# tests run it: OCI and Docker v2 image manifests and indexes as the registry serves them, its 401 challenges (Basic
# with htpasswd, Bearer with token auth) and error bodies. The registry has no token service: the token answers put
# after each challenge are written here in the shapes token services send (Docker's token, OAuth2's access_token).
# Usage: tests/fuzz/seeds/capture-registry.sh OUT_DIR
set -euo pipefail
out=$(realpath -m "$1"); mkdir -p "$out"
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
port=$((30000 + RANDOM % 10000)); base=http://127.0.0.1:$port
htpasswd -nbB -C 5 router secret > "$work/htpasswd"
cat > "$work/basic.yml" <<YML
version: 0.1
storage:
  filesystem:
    rootdirectory: $work/storage
http:
  addr: 127.0.0.1:$port
auth:
  htpasswd:
    realm: router-test
    path: $work/htpasswd
YML
docker-registry serve "$work/basic.yml" >"$work/registry.log" 2>&1 &
for _ in $(seq 100); do curl -s -o /dev/null "$base/v2/" && break; sleep 0.1; done
c() { curl -s -u router:secret "$@"; }
digest() { echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"; }
size() { stat -c %s "$1"; }
push_blob() {
  local location; location=$(c -D - -o /dev/null -X POST "$base/v2/router/canary/blobs/uploads/" | tr -d '\r' | awk 'tolower($1) == "location:" { print $2 }')
  case $location in http*) ;; *) location=$base$location ;; esac
  c -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$1" "$location&digest=$(digest "$1")"
}
push_manifest() { c -o /dev/null -X PUT -H "Content-Type: $2" --data-binary "@$3" "$base/v2/router/canary/manifests/$1"; }
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{}}' > "$work/config.json"
printf 'router canary layer\n' | gzip -n > "$work/layer.tar.gz"
push_blob "$work/config.json"; push_blob "$work/layer.tar.gz"
oci=application/vnd.oci.image.manifest.v1+json; oci_index=application/vnd.oci.image.index.v1+json
docker=application/vnd.docker.distribution.manifest.v2+json; docker_list=application/vnd.docker.distribution.manifest.list.v2+json
printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%s}],"annotations":{"org.opencontainers.image.created":"2026-12-07T09:00:00Z"}}' \
  "$oci" "$(digest "$work/config.json")" "$(size "$work/config.json")" "$(digest "$work/layer.tar.gz")" "$(size "$work/layer.tar.gz")" > "$work/oci.json"
printf '{\n   "schemaVersion": 2,\n   "mediaType": "%s",\n   "config": {\n      "mediaType": "application/vnd.docker.container.image.v1+json",\n      "size": %s,\n      "digest": "%s"\n   },\n   "layers": [\n      {\n         "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",\n         "size": %s,\n         "digest": "%s"\n      }\n   ]\n}' \
  "$docker" "$(size "$work/config.json")" "$(digest "$work/config.json")" "$(size "$work/layer.tar.gz")" "$(digest "$work/layer.tar.gz")" > "$work/docker.json"
push_manifest oci "$oci" "$work/oci.json"; push_manifest docker "$docker" "$work/docker.json"
printf '{"schemaVersion":2,"mediaType":"%s","manifests":[{"mediaType":"%s","digest":"%s","size":%s,"platform":{"architecture":"amd64","os":"linux"}}]}' \
  "$oci_index" "$oci" "$(digest "$work/oci.json")" "$(size "$work/oci.json")" > "$work/index.json"
printf '{"schemaVersion":2,"mediaType":"%s","manifests":[{"mediaType":"%s","digest":"%s","size":%s,"platform":{"architecture":"amd64","os":"linux"}},{"mediaType":"%s","digest":"%s","size":%s,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}}]}' \
  "$docker_list" "$docker" "$(digest "$work/docker.json")" "$(size "$work/docker.json")" "$docker" "$(digest "$work/docker.json")" "$(size "$work/docker.json")" > "$work/list.json"
push_manifest index "$oci_index" "$work/index.json"; push_manifest list "$docker_list" "$work/list.json"
accept="Accept: $oci, $docker, $oci_index, $docker_list"
for tag in oci docker index list; do c -H "$accept" "$base/v2/router/canary/manifests/$tag" > "$out/manifest-$tag.json"; done
c -H "$accept" "$base/v2/router/canary/manifests/missing" > "$out/error-manifest-unknown.json"
c -H "$accept" "$base/v2/router/nothing/manifests/latest" > "$out/error-name-unknown.json"
# A 401: the challenge header, a newline, then the answer of the token endpoint it names.
challenge() { curl -s -D - -o "$work/body" "$@" | tr -d '\r' | awk 'tolower($1) == "www-authenticate:" { sub(/^[^:]*: */, ""); print; exit }'; }
{ challenge "$base/v2/"; cat "$work/body"; } > "$out/challenge-basic.txt"
kill %1; wait %1 2>/dev/null || true

# Token auth: the registry names a realm and trusts tokens signed under a certificate (not used: no token is sent).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=router-fuzz-token \
  -keyout "$work/token.key" -out "$work/token.pem" 2>/dev/null
sed -e '/^auth:/,$d' "$work/basic.yml" > "$work/token.yml"
cat >> "$work/token.yml" <<YML
auth:
  token:
    realm: http://127.0.0.1:$((port + 1))/token
    service: router-registry
    issuer: router-fuzz-token
    rootcertbundle: $work/token.pem
YML
docker-registry serve "$work/token.yml" >"$work/registry.log" 2>&1 &
for _ in $(seq 100); do curl -s -o /dev/null "$base/v2/" && break; sleep 0.1; done
jwt=eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCIsIng1YyI6WyJNSUlCLi4uIl19.eyJpc3MiOiJyb3V0ZXItZnV6ei10b2tlbiIsInN1YiI6InJvdXRlciIsImF1ZCI6InJvdXRlci1yZWdpc3RyeSIsImV4cCI6MTc5NjYzNjAwMCwiYWNjZXNzIjpbeyJ0eXBlIjoicmVwb3NpdG9yeSIsIm5hbWUiOiJyb3V0ZXIvY2FuYXJ5IiwiYWN0aW9ucyI6WyJwdWxsIl19XX0.c2lnbmF0dXJl
{ challenge "$base/v2/router/canary/manifests/latest"; printf '{"token":"%s","access_token":"%s","expires_in":300,"issued_at":"2026-12-07T09:00:00Z"}' "$jwt" "$jwt"; } > "$out/challenge-bearer-token.txt"
{ challenge "$base/v2/"; printf '{"access_token":"%s","token_type":"Bearer","expires_in":300,"scope":"repository:router/canary:pull"}' "$jwt"; } > "$out/challenge-bearer-access-token.txt"
{ challenge "$base/v2/router/canary/manifests/latest"; printf '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'; } > "$out/challenge-bearer-error.txt"
c "$base/v2/router/canary/manifests/latest" > "$out/error-unauthorized.json"
printf '{"token":"%s"}' "$jwt" > "$out/token-docker.json"
printf '{"access_token":"%s","expires_in":60}' "$jwt" > "$out/token-oauth2.json"
echo "captured $(find "$out" -type f | wc -l) files in $out"
