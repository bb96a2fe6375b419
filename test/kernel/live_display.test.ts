/**
 * Live output from inside `fit`, over real ZeroMQ: the progress bar and the training curves are each one
 * display (one display id) that the kernel publishes as `display_data` and then rewrites with
 * `update_display_data` while the cell is still running, all before the cell's `execute_reply` and idle.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KernelClient, type Message } from "./client";

const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/**
 * Six batches of a small dense model, verbose on. A callback waits after every batch, longer than the curves'
 * update throttle (300 ms), so that every batch after the first reaches the front end while `fit` runs
 * however fast the machine is.
 */
const FIT_CELL = `
nn.seed(1);
const liveX = nn.randn([48, 8]);
const liveY = keras.utils.toCategorical(nn.randint(0, 3, [48]), 3);
const liveModel = keras.Sequential([keras.Input({ shape: [8] }), layers.Dense(16, { activation: "relu" }), layers.Dense(3, { activation: "softmax" })]);
liveModel.compile({ loss: "categorical_crossentropy", optimizer: "adam", metrics: ["accuracy"] });
const pauseAfterBatch = { onBatchEnd: () => new Promise<void>((resolve) => setTimeout(resolve, 350)) };
await liveModel.fit(liveX, liveY, { batchSize: 8, epochs: 1, verbose: 1, callbacks: [pauseAfterBatch] });
"fit done"
`;

describe("live display during fit, over ZeroMQ", () => {
  let kernel: KernelClient;
  let reply: Message;
  let iopub: Message[];

  beforeAll(async () => {
    kernel = await KernelClient.start();
    ({ reply, iopub } = await kernel.execute(FIT_CELL));
    expect(reply.content, kernel.output).toMatchObject({ status: "ok" });
  }, 90_000);

  afterAll(async () => {
    await kernel?.close();
  });

  it("shows the training curves as display_data, then updates the same display id while fit runs and once at its end", () => {
    const curves = displayMessages(iopub).filter((m) => PLOTLY_MIME in data(m));
    expect(curves.length).toBeGreaterThanOrEqual(3);
    const [first, ...updates] = curves;
    expect(first.header.msg_type).toBe("display_data");
    expect(updates.map((m) => m.header.msg_type)).toEqual(updates.map(() => "update_display_data"));
    const id = displayId(first);
    expect(id).toMatch(/\S/);
    expect(updates.map(displayId)).toEqual(updates.map(() => id));

    // Updates sent mid-run say "running" and hold more per-batch points each time; the last says "finished".
    const texts = updates.map((m) => data(m)["text/plain"]);
    expect(texts.slice(0, -1).every((t) => /training curves \(running\)/.test(String(t)))).toBe(true);
    expect(texts.at(-1)).toMatch(/training curves \(finished\): epoch 1\/1, loss \d/);
    const points = updates.map(batchPoints);
    expect(points.slice(0, -1).length).toBeGreaterThanOrEqual(2);
    expect(points.every((n, i) => i === 0 || n >= points[i - 1])).toBe(true);
    expect(points.at(-1)).toBe(6);
    expect(points[0]).toBeLessThan(6);
  });

  it("shows the progress bar as one display that is updated in place up to 6/6", () => {
    const progress = displayMessages(iopub).filter((m) => !(PLOTLY_MIME in data(m)));
    const [first, ...updates] = progress;
    expect(first.header.msg_type).toBe("display_data");
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(updates.map((m) => [m.header.msg_type, displayId(m)])).toEqual(
      updates.map(() => ["update_display_data", displayId(first)]),
    );
    expect(String(data(updates.at(-1) as Message)["text/plain"])).toMatch(/Epoch 1\/1\n6\/6 ━+ .*loss: /);
  });

  it("publishes every display message before the execute_reply and before idle", () => {
    const displays = displayMessages(iopub);
    const replyDate = Date.parse(reply.header.date);
    expect(displays.every((m) => Date.parse(m.header.date) <= replyDate)).toBe(true);
    const types = iopub.map((m) => m.header.msg_type);
    const idle = iopub.findIndex((m) => m.header.msg_type === "status" && m.content.execution_state === "idle");
    expect(idle).toBe(iopub.length - 1);
    expect(types.lastIndexOf("update_display_data")).toBeLessThan(types.indexOf("execute_result"));
    expect(data(iopub.find((m) => m.header.msg_type === "execute_result") as Message)["text/plain"]).toContain(
      "fit done",
    );
  });
});

function displayMessages(iopub: Message[]): Message[] {
  return iopub.filter((m) => m.header.msg_type === "display_data" || m.header.msg_type === "update_display_data");
}

function data(message: Message): Record<string, unknown> {
  return (message.content.data ?? {}) as Record<string, unknown>;
}

function displayId(message: Message): unknown {
  return (message.content.transient as { display_id?: unknown } | undefined)?.display_id;
}

/** Points of the per-batch (smoothed) loss curve in a curves update. */
function batchPoints(message: Message): number {
  const figure = data(message)[PLOTLY_MIME] as { data: { name: string; x: number[]; yaxis: string }[] };
  const batchLoss = figure.data.find((trace) => trace.name.includes("per batch") && trace.yaxis === "y");
  return batchLoss?.x.length ?? 0;
}
