#!/usr/bin/env bash
# Perimeter against nmap on the same lab in the same run, 127.0.0.1 only and
# only the lab's ports: planted weaknesses found / total and false positives
# (Perimeter, scored with expect.go), identifications (product/version per
# endpoint, both tools), scan times. nmap's scripts are printed for reading:
# they give no verdicts to score automatically.
#
# Usage (root, after install.sh): bench/lab/compare.sh [--no-scripts]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
tmp=$(mktemp -d)
trap '"$here/stop.sh" >/dev/null; rm -rf "$tmp"' EXIT

go build -o "$tmp/perimeter" ./cmd/perimeter
PERIMETER_LAB_DUMP=$tmp/expect.json go test -count=1 -run '^TestLabDump$' ./bench/lab/ >/dev/null
"$here/start.sh" >/dev/null
tcp=$(jq -r '[.endpoints[] | select(.proto=="tcp") | .number] | join(",")' "$tmp/expect.json")
udp=$(jq -r '[.endpoints[] | select(.proto=="udp") | .number] | join(",")' "$tmp/expect.json")

now() { date +%s%N; }
s=$(now)
"$tmp/perimeter" scan 127.0.0.1 --no-ping --profile "Full and fast" --ports "T:$tcp,U:$udp" --format json >"$tmp/ours.json" 2>/dev/null
t_ours=$(( ($(now) - s) / 1000000 ))
s=$(now)
nmap -n -Pn -sS -sU -sV -p "T:$tcp,U:$udp" -oX "$tmp/nmap.xml" 127.0.0.1 >/dev/null
t_nmap=$(( ($(now) - s) / 1000000 ))
t_scripts=skipped
if [ "${1:-}" != "--no-scripts" ]; then
  s=$(now)
  nmap -n -Pn -sS -sU -sV --script default,vuln --host-timeout 10m -p "T:$tcp,U:$udp" -oN "$tmp/nmap-scripts.txt" 127.0.0.1 >/dev/null
  t_scripts=$(( ($(now) - s) / 1000000 ))
fi

# nmap's identifications as "port/proto<TAB>product<TAB>version".
python3 - "$tmp/nmap.xml" >"$tmp/nmap.tsv" <<'PY'
import sys, xml.etree.ElementTree as ET
for p in ET.parse(sys.argv[1]).getroot().iter("port"):
    s = p.find("service")
    prod = s.get("product", "") if s is not None else ""
    ver = s.get("version", "") if s is not None else ""
    print(f'{p.get("portid")}/{p.get("protocol")}\t{prod}\t{ver}')
PY

jq -r --slurpfile ours "$tmp/ours.json" --rawfile nm "$tmp/nmap.tsv" '
  ($nm | split("\n") | map(select(. != "") | split("\t")) | map({key: .[0], value: .}) | from_entries) as $nmap
  | ($ours[0].hosts[0]) as $h
  | .planted as $planted
  | [.endpoints[] | . as $e
     | ([$h.ports[] | select(.port == $e.number and .protocol == $e.proto)][0] // {}) as $p
     | ([$h.findings[] | select(.port == $e.number and .protocol == $e.proto) | .check_id] | unique) as $got
     | {e: $e, p: $p, got: $got, nm: ($nmap["\($e.number)/\($e.proto)"] // ["", "", ""]),
        found: (if $e.Hardened then 0 else ([$e.Findings[] | select(. as $id | $got | index($id))] | length) end),
        total: (if $e.Hardened then 0 else ($e.Findings | length) end),
        fp: (if $e.Hardened then ([$got[] | select($planted[.] and (. as $id | $e.Findings | index($id) | not))] | length) else 0 end)}] as $rows
  | (["ENDPOINT", "PORT", "PERIMETER PRODUCT/VERSION", "NMAP -sV PRODUCT/VERSION", "PLANTED FOUND", "FALSE POS"] | @tsv),
    ($rows[] | [.e.Name, "\(.e.number)/\(.e.proto)", ((.p.product // "") + " " + (.p.version // "")),
      (.nm[1] + " " + .nm[2]), (if .e.Hardened then "-" else "\(.found)/\(.total)" end), (if .e.Hardened then "\(.fp)" else "-" end)] | @tsv),
    "",
    "Perimeter: planted found \([$rows[].found] | add) / \([$rows[].total] | add), false positives on hardened endpoints \([$rows[].fp] | add)",
    "Identified (product): Perimeter \([$rows[] | select((.p.product // "") != "")] | length) / \($rows | length), nmap -sV \([$rows[] | select(.nm[1] != "")] | length) / \($rows | length)",
    "Identified (version): Perimeter \([$rows[] | select((.p.version // "") != "")] | length), nmap -sV \([$rows[] | select(.nm[2] != "")] | length)"
' "$tmp/expect.json" | column -t -s $'\t'
echo "Scan time: Perimeter ${t_ours} ms, nmap -sV ${t_nmap} ms, nmap -sV --script default,vuln ${t_scripts} ms"
if [ -f "$tmp/nmap-scripts.txt" ]; then
  echo
  echo "nmap --script default,vuln output:"
  cat "$tmp/nmap-scripts.txt"
fi
