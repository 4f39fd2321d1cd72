#!/usr/bin/env bash
# Benchmark: perimeter's full TCP connect scan of 127.0.0.1 (ports 1-65535)
# against `nmap -n -Pn -sT -p- 127.0.0.1` in the same run, with a handful of
# test listeners (bench/listeners) up. Timings are reported, not asserted;
# the script fails if the two tools disagree on the set of open ports in
# every attempt of a round (other programs on the machine may open or close
# loopback ports between two scans, so a round is retried on a mismatch).
# Then service detection on the listeners' ports: perimeter's Discovery
# profile against `nmap -sV`.
#
# Usage: bench/portscan.sh [rounds]   (default 3; nmap is skipped if absent:
# apt-get install -y nmap)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
tmp=$(mktemp -d)
cleanup() {
  [ -n "${listeners_pid:-}" ] && kill "$listeners_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/perimeter" ./cmd/perimeter
go build -o "$tmp/listeners" ./bench/listeners
mkfifo "$tmp/stdin"
"$tmp/listeners" <"$tmp/stdin" >"$tmp/ports" &
listeners_pid=$!
exec 3>"$tmp/stdin" # keeps the listeners' stdin open
for _ in $(seq 100); do [ -s "$tmp/ports" ] && break; sleep 0.05; done
ports=$(cat "$tmp/ports")
echo "test listeners on 127.0.0.1: $ports"

have_nmap=1
command -v nmap >/dev/null || { have_nmap=0; echo "nmap not installed: comparison skipped"; }

now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }

ours_scan() { # prints open ports, one per line; wall time in $tmp/t
  local s e
  s=$(now)
  "$tmp/perimeter" scan 127.0.0.1 --ports T:1-65535 --no-ping --ports-only --format json >"$tmp/ours.json"
  e=$(now)
  ms "$s" "$e" >"$tmp/t"
  jq -r '.hosts[].ports[] | select(.state=="open") | .port' "$tmp/ours.json" | sort -n
}
nmap_scan() {
  local s e
  s=$(now)
  nmap -n -Pn -sT -p- -oG "$tmp/nmap.gnmap" 127.0.0.1 >/dev/null
  e=$(now)
  ms "$s" "$e" >"$tmp/t"
  grep -o '[0-9]*/open/' "$tmp/nmap.gnmap" | cut -d/ -f1 | sort -n
}

ours_times=() nmap_times=()
for r in $(seq "$rounds"); do
  for attempt in 1 2 3; do
    ours_scan >"$tmp/ours.txt"; ot=$(cat "$tmp/t")
    for p in ${ports//,/ }; do grep -qx "$p" "$tmp/ours.txt" || { echo "FAIL: listener port $p not found by perimeter"; exit 1; }; done
    [ "$have_nmap" = 1 ] || { ours_times+=("$ot"); echo "round $r: perimeter ${ot} ms, $(wc -l <"$tmp/ours.txt") open"; break; }
    nmap_scan >"$tmp/nmap.txt"; nt=$(cat "$tmp/t")
    if cmp -s "$tmp/ours.txt" "$tmp/nmap.txt"; then
      ours_times+=("$ot") nmap_times+=("$nt")
      echo "round $r: perimeter ${ot} ms, nmap ${nt} ms, same $(wc -l <"$tmp/ours.txt") open ports: $(paste -sd, "$tmp/ours.txt")"
      break
    fi
    echo "round $r attempt $attempt: open ports differ (perimeter: $(paste -sd, "$tmp/ours.txt"); nmap: $(paste -sd, "$tmp/nmap.txt"))"
    [ "$attempt" = 3 ] && { echo "FAIL: open-port sets differ in every attempt"; exit 1; }
  done
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
om=$(median "${ours_times[@]}")
echo "perimeter full TCP scan: median ${om} ms over ${#ours_times[@]} rounds (${ours_times[*]})"
if [ "$have_nmap" = 1 ]; then
  nm=$(median "${nmap_times[@]}")
  echo "nmap -sT -p-:            median ${nm} ms over ${#nmap_times[@]} rounds (${nmap_times[*]})"
  echo "ratio perimeter/nmap: $(awk -v a="$om" -v b="$nm" 'BEGIN {printf "%.2f", a/b}') (target <= 0.50)"
fi

sv_compare() { # $1: label, $2: ports
  local s e
  echo
  echo "service detection, $1 ($2):"
  s=$(now)
  "$tmp/perimeter" scan 127.0.0.1 --ports "T:$2" --no-ping --profile Discovery --format json >"$tmp/sv.json"
  e=$(now)
  echo "perimeter --profile Discovery: $(ms "$s" "$e") ms"
  jq -r '.hosts[].ports[] | "  \(.port)/\(.protocol)  \(.service)  \(.product) \(.version)"' "$tmp/sv.json"
  if [ "$have_nmap" = 1 ]; then
    s=$(now)
    nmap -n -Pn -sV -p "$2" 127.0.0.1 -oG "$tmp/sv.gnmap" >/dev/null
    e=$(now)
    echo "nmap -sV: $(ms "$s" "$e") ms"
    grep -o 'Ports: .*' "$tmp/sv.gnmap" | sed 's/Ports: //; s/, /\n/g' | sed 's/^/  /'
  fi
}
# The listeners print their ports in this order: HTTP, SSH, FTP, SMTP, Redis,
# then the silent one, which makes both tools wait out their probe budgets.
talking=${ports%,*}
sv_compare "services that answer" "$talking"
sv_compare "all listeners, the silent one included" "$ports"
