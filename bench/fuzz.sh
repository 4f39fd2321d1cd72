#!/usr/bin/env bash
# Runs every `go test -fuzz` target of the module for a fixed budget each and
# prints the executions per target, their total and any crash.
#
#   bench/fuzz.sh                 # 30 s per target
#   FUZZTIME=2m bench/fuzz.sh     # another budget
#   bench/fuzz.sh ./internal/tenant ./internal/webhook   # some packages only
#
# A crash leaves its input under the package's testdata/fuzz/<Target>/, where
# `go test` replays it from then on: commit it with the fix.
set -uo pipefail
cd "$(dirname "$0")/.."

budget=${FUZZTIME:-30s}
pkgs=("$@")
if [ ${#pkgs[@]} -eq 0 ]; then
  mapfile -t pkgs < <(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u)
fi

log=$(mktemp -d /tmp/perimeter-fuzz.XXXXXX)
total=0
crashes=0
printf '%-40s %-32s %12s  %s\n' package target execs result
for pkg in "${pkgs[@]}"; do
  for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz'); do
    out="$log/$(echo "${pkg#./}" | tr / _)_$target.log"
    if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$budget" "$pkg" >"$out" 2>&1; then
      result=ok
    else
      result="CRASH (see $out)"
      crashes=$((crashes + 1))
    fi
    # The fuzzer's last progress line carries the running total: "execs: N (...)".
    execs=$(grep -o 'execs: [0-9]*' "$out" | tail -1 | grep -o '[0-9]*' || true)
    execs=${execs:-0}
    total=$((total + execs))
    printf '%-40s %-32s %12d  %s\n' "$pkg" "$target" "$execs" "$result"
  done
done
echo "total executions: $total; crashing targets: $crashes; logs in $log"
[ "$crashes" -eq 0 ]
