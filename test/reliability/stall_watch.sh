#!/usr/bin/env bash
# Watches the kernels the test suite starts (connection files under /tmp/nnlab-kernel-test-*) and, when one
# misses its heartbeat three times in a row (10 s apart, 3 s each), writes the native stacks of all its threads
# with gdb to stall-<pid>.txt in OUT_DIR (default /tmp). For chasing the intermittent kernel stall under load:
#   bash test/reliability/stall_watch.sh & for i in $(seq 20); do npx vitest run test/reliability/interrupt_stress.test.ts; done
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
readonly OUT_DIR=${OUT_DIR:-/tmp}
readonly PROBE='
const zmq = require(process.cwd() + "/node_modules/zeromq");
const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const hb = new zmq.Request({ linger: 0 });
hb.connect(`tcp://127.0.0.1:${c.hb_port}`);
hb.send("ping").then(() => Promise.race([hb.receive().then(() => "ok"), new Promise((r) => setTimeout(() => r("dead"), 3000))]))
  .then((r) => { console.log(r); process.exit(0); });'
declare -A misses
while true; do
  for pid in $(pgrep -f "dist/kernel/cli.js kernel --connection-file /tmp/nnlab-kernel-test-"); do
    file=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -o "/tmp/nnlab-kernel-test-[^ ]*")
    [[ -f $file ]] || continue
    if [[ $(timeout 10 node -e "$PROBE" "$file" 2>/dev/null) == dead ]]; then
      misses[$pid]=$((${misses[$pid]:-0} + 1))
    else
      misses[$pid]=0
    fi
    if [[ ${misses[$pid]} == 3 ]]; then
      echo "$(date +%T) kernel $pid: no heartbeat 3 times; stacks in $OUT_DIR/stall-$pid.txt" >&2
      gdb -batch -p "$pid" -ex "thread apply all bt 30" >"$OUT_DIR/stall-$pid.txt" 2>&1
    fi
  done
  sleep 10
done
