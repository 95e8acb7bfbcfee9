#!/usr/bin/env bash
# Runs one fuzz target under afl-fuzz for a while and prints what it found.
# Usage: tests/fuzz/run.sh TARGET SECONDS [--fresh]
#   TARGET   dns | resp | registry | config (see tests/fuzz/README.md)
#   SECONDS  how long afl-fuzz runs
#   --fresh  start over from the seed corpus instead of resuming the previous run's queue
# Builds tests/fuzz/Router.Fuzz (Release) into tests/fuzz/out/TARGET/bin, instruments the assemblies under test there
# with sharpfuzz (the tool pinned in .config/dotnet-tools.json), then runs afl-fuzz (Debian package afl++) with
# tests/fuzz/TARGET/corpus as seeds; findings go to tests/fuzz/out/TARGET/findings (gitignored).
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${1:-}; seconds=${2:-}; fresh=${3:-}
case "$target" in
  dns) assemblies=(Router.Dns.dll Router.Dns.Server.dll) ;;
  resp|registry) assemblies=(Router.Health.dll) ;;
  config) assemblies=(router.dll Router.Dns.Server.dll Router.Dns.dll Router.Health.dll Router.TrafficManager.dll) ;;
  *) echo "usage: $0 {dns|resp|registry|config} SECONDS [--fresh]" >&2; exit 2 ;;
esac
[[ $seconds =~ ^[0-9]+$ ]] || { echo "usage: $0 $target SECONDS [--fresh]" >&2; exit 2; }
command -v afl-fuzz >/dev/null || { echo "run.sh: afl-fuzz not found: apt-get install afl++" >&2; exit 1; }

out=tests/fuzz/out/$target
pid=$(awk -F' *: *' '$1 == "fuzzer_pid" { print $2 }' "$out/findings/default/fuzzer_stats" 2>/dev/null || true)
if [[ -n $pid ]] && grep -qs afl-fuzz "/proc/$pid/cmdline"; then
  echo "run.sh: afl-fuzz $pid is still fuzzing $target; wait for it or stop it first" >&2; exit 1
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
mkdir -p tests/fuzz/out
# The targets share the projects' obj directories: one build at a time, into a shared directory, then a private copy
# for this target, since sharpfuzz rewrites the assemblies in place.
(
  flock 9
  dotnet tool restore >/dev/null
  dotnet build tests/fuzz/Router.Fuzz/Router.Fuzz.csproj -c Release -o tests/fuzz/out/build --nologo -v quiet 2>&1 | grep -E "error|Warn|Elapsed" || true
  [[ -f tests/fuzz/out/build/Router.Fuzz.dll ]] || { echo "run.sh: build failed" >&2; exit 1; }
  rm -rf "$out/bin"; mkdir -p "$out"; cp -r tests/fuzz/out/build "$out/bin"
) 9>tests/fuzz/out/.build.lock
for assembly in "${assemblies[@]}"; do
  dotnet tool run sharpfuzz "$out/bin/$assembly" >/dev/null
done

# afl++ in a container on a shared machine: no CPU governor or core_pattern to tune, no CPU binding, no UI (log to
# a file), and the target is dotnet, which has no afl instrumentation of its own (SharpFuzz reports coverage).
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1
if [[ $fresh == --fresh ]]; then rm -rf "$out/findings"; fi
# Resume the previous queue when there is one (afl++ reads its old fuzzer_stats and continues the counts).
export AFL_AUTORESUME=1
unset "${!Router__@}" 2>/dev/null || true
# -t 10000: ten seconds an input, so the first executions (JIT compilation) never count as hangs; -m none: .NET maps
# far more virtual memory than afl's default limit.
status=0
afl-fuzz -i "tests/fuzz/$target/corpus" -o "$out/findings" -t 10000 -m none -V "$seconds" \
  -- dotnet "$out/bin/Router.Fuzz.dll" "$target" > "$out/afl.log" 2>&1 || status=$?

stats=$out/findings/default/fuzzer_stats
if [[ ! -f $stats ]]; then
  echo "run.sh: afl-fuzz did not start (exit $status); the end of $out/afl.log:" >&2
  tail -30 "$out/afl.log" >&2
  exit 1
fi
value() { awk -F' *: *' -v key="$1" '$1 == key { print $2 }' "$stats"; }
run_time=$(value run_time); execs=$(value execs_done)
crashes=$(value saved_crashes); hangs=$(value saved_hangs)
echo "target=$target run_time=${run_time}s execs_done=$execs execs_per_sec=$(awk -v e="$execs" -v t="$run_time" 'BEGIN { printf "%.1f", (t > 0 ? e / t : 0) }')" \
  "corpus_count=$(value corpus_count) corpus_found=$(value corpus_found) stability=$(value stability)" \
  "saved_crashes=$crashes saved_hangs=$hangs"
if [[ ${crashes:-0} -gt 0 || ${hangs:-0} -gt 0 ]]; then
  echo "Replay with: dotnet $out/bin/Router.Fuzz.dll $target $out/findings/default/crashes/id* $out/findings/default/hangs/id*"
  echo "Minimize with: AFL_SKIP_BIN_CHECK=1 afl-tmin -t 10000 -m none -i FILE -o tests/fuzz/$target/regressions/NAME -- dotnet $out/bin/Router.Fuzz.dll $target"
  exit 3
fi
