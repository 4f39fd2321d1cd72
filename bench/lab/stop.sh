#!/usr/bin/env bash
# Stops the lab started by start.sh: TERM to every recorded pid, then KILL to
# what is still there after 10 s. Leaves $PERIMETER_LAB_DIR for the logs.
set -uo pipefail
LAB=${PERIMETER_LAB_DIR:-/tmp/perimeter-lab}
[ -d "$LAB/pids" ] || exit 0
pids=()
for f in "$LAB"/pids/*; do
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
  rm -f "$f"
done
for _ in $(seq 100); do
  alive=()
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
  [ ${#alive[@]} -eq 0 ] && break
  sleep 0.1
done
for pid in "${alive[@]}"; do kill -KILL "$pid" 2>/dev/null; done
# Postfix: start-fg may leave its master behind the recorded pid.
for c in "$LAB"/postfix-*/conf; do [ -d "$c" ] && postfix -c "$c" abort >/dev/null 2>&1; done
echo "lab stopped"
