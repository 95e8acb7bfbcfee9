# shellcheck shell=bash
# Shared by the sample scripts (samples/three-regions, samples/cluster): which router binary the sample runs.
# Needs STATE (the sample's state dir), REPO (the repository root), and the script's log and die.

# The router: ROUTER_BIN, or the Release build of src/Router.Cli (built once), copied under the state dir so that
# a rebuild of the repository never changes the files of running processes.
router_bin() {
  if [[ -n ${ROUTER_BIN:-} ]]; then
    [[ -x $ROUTER_BIN ]] || die "ROUTER_BIN=$ROUTER_BIN is not executable"
    ROUTER=$(realpath -e -- "$ROUTER_BIN"); return
  fi
  ROUTER=$STATE/bin/router
  [[ -x $ROUTER ]] && return
  local out=$REPO/src/Router.Cli/bin/Release/net10.0
  if [[ ! -x $out/router ]]; then
    log "building src/Router.Cli (Release, once)"
    (cd "$REPO" && dotnet build -c Release src/Router.Cli > "$STATE/build.log" 2>&1) || die "build failed, see $STATE/build.log"
  fi
  rm -rf "$STATE/bin.tmp"; mkdir -p "$STATE/bin.tmp"; cp -a "$out/." "$STATE/bin.tmp/"; chmod -R a+rX "$STATE/bin.tmp"
  rm -rf "${STATE:?}/bin"; mv "$STATE/bin.tmp" "$STATE/bin"
}
# The router's path without building anything (for commands other than up).
router_path() { if [[ -n ${ROUTER_BIN:-} ]]; then realpath -m -- "$ROUTER_BIN"; else echo "$STATE/bin/router"; fi; }
