/**
 * The op layer's cost on small tensors, nnlab against PyTorch's eager ops in the same run (issue 17:
 * "measure ops per second on tiny shapes against PyTorch's eager ops"). Each case is timed in
 * microseconds per call: the forward op alone without gradients, and a small layer's forward and
 * backward with gradients, where the autograd tape's cost shows. nnlab runs in a child process on
 * the wasm backend, PyTorch in competitors.py ("small-ops-torch"), both on the bench's thread count.
 * Nothing here asserts.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { nn } from "../../runtime/nn";
import "../../runtime/backend/wasm/register";
import { benchPython } from "./python_env";

/** The cases, in the order both sides print them; shapes are those of the bench's sequence models. */
export const SMALL_OP_CASES = [
  "add [32,64] + [32,64]",
  "mul [32,64] * [64]",
  "matmul [32,64] x [64,64]",
  "softmax [32,10]",
  "sum [32,64] over rows",
  "transpose [32,6,2,32] -> [32,2,6,32]",
  "relu(x W + b), sum, backward (W [64,64])",
] as const;

const TAG = "@small-ops ";
const ROUNDS = 5;
const CALLS = 2000;

/** The section's table: microseconds per call for each case, nnlab, PyTorch and their ratio. */
export function smallOpsTable(threads: number): string[] {
  const ours = child([process.execPath, [__filename]], { NNLAB_BACKEND: "wasm" });
  const python = benchPython();
  const theirs =
    "python" in python
      ? child(
          [
            python.python,
            [
              join(__dirname, "..", "..", "..", "test", "bench", "competitors.py"),
              "small-ops-torch",
              String(threads),
              "-",
            ],
          ],
          {
            OMP_NUM_THREADS: String(threads),
          },
        )
      : { failure: python.skip };
  const lines = [
    `op-layer cost on small tensors: microseconds per call (median of ${ROUNDS} rounds of ${CALLS}), ${threads} threads; lower is better`,
    "",
    ["case", "nnlab", "PyTorch", "PyTorch / nnlab"].map((c, i) => (i === 0 ? c.padEnd(44) : c.padStart(16))).join(""),
  ];
  for (const name of SMALL_OP_CASES) {
    const a = "times" in ours ? ours.times[name] : undefined;
    const b = "times" in theirs ? theirs.times[name] : undefined;
    const cells = [
      name.padEnd(44),
      (a === undefined ? "n/a" : a.toFixed(1)).padStart(16),
      (b === undefined ? "n/a" : b.toFixed(1)).padStart(16),
      (a !== undefined && b !== undefined ? `${(b / a).toFixed(2)}x` : "").padStart(16),
    ];
    lines.push(cells.join(""));
  }
  for (const [who, o] of [
    ["nnlab", ours],
    ["PyTorch", theirs],
  ] as const) {
    if ("failure" in o) lines.push(`${who}: n/a (${o.failure})`);
  }
  return lines;
}

type Times = { times: Record<string, number> } | { failure: string };

function child([command, args]: [string, string[]], env: Record<string, string>): Times {
  const run = spawnSync(command, args, { env: { ...process.env, ...env }, encoding: "utf8", maxBuffer: 16 * 2 ** 20 });
  const line = String(run.stdout ?? "")
    .split("\n")
    .find((l) => l.startsWith(TAG));
  if (line) return { times: JSON.parse(line.slice(TAG.length)) as Record<string, number> };
  const why = `${String(run.stderr ?? "")}\n${String(run.stdout ?? "")}`.trim().split("\n").slice(-3).join(" / ");
  return { failure: why || `exit ${run.status}` };
}

/** Median microseconds per call of `fn` (each call inside nn.tidy, so nothing accumulates). */
function time(fn: () => void): number {
  for (let i = 0; i < 200; i++) nn.tidy(fn);
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = performance.now();
    for (let i = 0; i < CALLS; i++) nn.tidy(fn);
    rounds.push(((performance.now() - start) * 1000) / CALLS);
  }
  return rounds.sort((p, q) => p - q)[ROUNDS >> 1];
}

function measure(): Record<string, number> {
  nn.seed(0);
  const a = nn.randn([32, 64]);
  const b = nn.randn([32, 64]);
  const row = nn.randn([64]);
  const w = nn.randn([64, 64]);
  const logits = nn.randn([32, 10]);
  const heads = nn.randn([32, 6, 2, 32]);
  const wg = nn.randn([64, 64], { requiresGrad: true });
  const bg = nn.randn([64], { requiresGrad: true });
  const cases: Record<(typeof SMALL_OP_CASES)[number], () => void> = {
    "add [32,64] + [32,64]": () => void nn.noGrad(() => nn.add(a, b)),
    "mul [32,64] * [64]": () => void nn.noGrad(() => nn.mul(a, row)),
    "matmul [32,64] x [64,64]": () => void nn.noGrad(() => nn.matmul(a, w)),
    "softmax [32,10]": () => void nn.noGrad(() => nn.softmax(logits, -1)),
    "sum [32,64] over rows": () => void nn.noGrad(() => nn.sum(a, 0)),
    "transpose [32,6,2,32] -> [32,2,6,32]": () => void nn.noGrad(() => nn.transpose(heads, [0, 2, 1, 3])),
    "relu(x W + b), sum, backward (W [64,64])": () => {
      nn.relu(nn.matmul(a, wg).add(bg)).sum().backward();
      wg.zeroGrad();
      bg.zeroGrad();
    },
  };
  const out: Record<string, number> = {};
  for (const name of SMALL_OP_CASES) out[name] = time(cases[name]);
  return out;
}

if (require.main === module) {
  nn.setBackend("wasm");
  console.log(TAG + JSON.stringify(measure()));
  // The wasm backend's worker threads would keep the child alive.
  process.exit(0);
}
