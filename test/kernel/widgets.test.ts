/**
 * The Jupyter widget protocol 2.1 over real ZeroMQ, as a widget manager speaks it: the kernel opens
 * `jupyter.widget` comms with the state, displays the view, and answers the front end's `update`,
 * `request_state` and `custom` messages, binary buffers included, and the control comm's `request_states`.
 * Comm messages also reach a cell that is still running (between the batches of `fit`).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KernelClient, executeContent, type Message, messageTypes } from "./client";

const VIEW = "application/vnd.jupyter.widget-view+json";

describe("Jupyter widgets over the comm protocol", () => {
  let kernel: KernelClient;
  beforeAll(async () => {
    kernel = await KernelClient.start();
  }, 120_000);
  afterAll(async () => {
    await kernel?.close();
  });

  /** The cell's output and the comm messages it sent; fails on an error reply. */
  async function run(code: string): Promise<Message[]> {
    const { reply, iopub } = await kernel.execute(code);
    expect(reply.content, JSON.stringify(reply.content)).toMatchObject({ status: "ok" });
    return iopub;
  }

  async function value(expression: string): Promise<unknown> {
    const iopub = await run(`console.log(JSON.stringify(${expression}));`);
    const text = iopub
      .filter((m) => m.header.msg_type === "stream" && m.content.name === "stdout")
      .map((m) => String(m.content.text))
      .join("");
    return JSON.parse(text) as unknown;
  }

  function commMsg(commId: string, data: object, buffers?: Buffer[]): string {
    return kernel.send("shell", "comm_msg", { comm_id: commId, data }, { buffers });
  }

  const opens = (iopub: Message[]) => iopub.filter((m) => m.header.msg_type === "comm_open");
  const commMsgs = (iopub: Message[], commId: string) =>
    iopub.filter((m) => m.header.msg_type === "comm_msg" && m.content.comm_id === commId);
  const state = (m: Message) => (m.content.data as { state: Record<string, unknown> }).state;

  let sliderId = "";

  it("opens a slider's comm on jupyter.widget with its state and version, and displays its view with text/plain", async () => {
    const iopub = await run(
      'const slider = new widgets.IntSlider({ value: 3, min: 0, max: 10, description: "k" });\ndisplay(slider);',
    );
    const opened = opens(iopub);
    expect(opened.map((m) => m.content.target_name)).toEqual(["jupyter.widget", "jupyter.widget", "jupyter.widget"]);
    for (const m of opened) expect(m.metadata).toEqual({ version: "2.1.0" });
    const [layout, style, slider] = opened.map(state);
    expect(layout).toMatchObject({
      _model_name: "LayoutModel",
      _model_module: "@jupyter-widgets/base",
      _model_module_version: "2.0.0",
      _view_name: "LayoutView",
    });
    expect(style).toMatchObject({
      _model_name: "SliderStyleModel",
      _model_module: "@jupyter-widgets/controls",
      _view_module: "@jupyter-widgets/base",
      _view_name: "StyleView",
    });
    expect(slider).toMatchObject({
      _model_name: "IntSliderModel",
      _model_module: "@jupyter-widgets/controls",
      _model_module_version: "2.0.0",
      _view_name: "IntSliderView",
      _view_module: "@jupyter-widgets/controls",
      _view_module_version: "2.0.0",
      value: 3,
      min: 0,
      max: 10,
      step: 1,
      description: "k",
      layout: `IPY_MODEL_${String(opened[0].content.comm_id)}`,
      style: `IPY_MODEL_${String(opened[1].content.comm_id)}`,
    });
    expect((opened[2].content.data as { buffer_paths: unknown }).buffer_paths).toEqual([]);
    sliderId = String(opened[2].content.comm_id);

    const shown = iopub.find((m) => m.header.msg_type === "display_data");
    const data = shown?.content.data as Record<string, unknown>;
    expect(data[VIEW]).toEqual({ version_major: 2, version_minor: 1, model_id: sliderId });
    expect(data["text/plain"]).toBe("IntSlider(value=3, min=0, max=10, step=1)");
    // The comm is open before the view that refers to it is shown.
    expect(messageTypes(iopub).indexOf("comm_open")).toBeLessThan(messageTypes(iopub).indexOf("display_data"));
  });

  it("applies an update from the front end, fires observe, echoes it, and clamps a value out of range", async () => {
    await run('const seen: number[] = [];\nslider.observe(({ new: v }) => seen.push(v as number), "value");');
    const update = commMsg(sliderId, { method: "update", state: { value: 7 }, buffer_paths: [] });
    const answer = await kernel.iopubUntilIdle(update);
    expect(messageTypes(answer)).toEqual(["status:busy", "comm_msg", "status:idle"]);
    expect(answer[1].content.data).toEqual({ method: "echo_update", state: { value: 7 }, buffer_paths: [] });
    expect(await value("[slider.value, seen]")).toEqual([7, [7]]);

    const tooLarge = commMsg(sliderId, { method: "update", state: { value: 50 }, buffer_paths: [] });
    const corrected = commMsgs(await kernel.iopubUntilIdle(tooLarge), sliderId).map((m) => m.content.data);
    expect(corrected).toEqual([
      { method: "update", state: { value: 10 }, buffer_paths: [] },
      { method: "echo_update", state: { value: 10 }, buffer_paths: [] },
    ]);
    expect(await value("[slider.value, seen]")).toEqual([10, [7, 10]]);
  });

  it("sends the whole state on request_state", async () => {
    const request = commMsg(sliderId, { method: "request_state" });
    const [answer] = commMsgs(await kernel.iopubUntilIdle(request), sliderId);
    expect(answer.content.data).toMatchObject({
      method: "update",
      buffer_paths: [],
      state: { _model_name: "IntSliderModel", value: 10, min: 0, max: 10, description: "k" },
    });
  });

  it("delivers custom messages both ways: a button's clicks, and a message from the kernel", async () => {
    const iopub = await run(
      'let clicks = 0;\nconst button = new widgets.Button({ description: "go" });\nbutton.onClick(() => clicks++);\nbutton',
    );
    const buttonId = String(opens(iopub).at(-1)?.content.comm_id);
    const result = iopub.find((m) => m.header.msg_type === "execute_result");
    expect((result?.content.data as Record<string, unknown>)[VIEW]).toMatchObject({ model_id: buttonId });
    for (let i = 0; i < 2; i++)
      await kernel.iopubUntilIdle(commMsg(buttonId, { method: "custom", content: { event: "click" } }));
    expect(await value("clicks")).toBe(2);

    const sent = await run("button.send({ hello: [1, 2] })");
    expect(commMsgs(sent, buttonId).map((m) => m.content.data)).toEqual([
      { method: "custom", content: { hello: [1, 2] } },
    ]);
  });

  let imageId = "";
  it("sends an Image's bytes as a binary buffer and takes new bytes from a buffer", async () => {
    const iopub = await run("const image = new widgets.Image({ value: new Uint8Array([137, 80, 78, 71, 1, 2, 3]) });");
    const open = opens(iopub).at(-1)!;
    imageId = String(open.content.comm_id);
    expect((open.content.data as { buffer_paths: unknown }).buffer_paths).toEqual([["value"]]);
    expect(state(open)).not.toHaveProperty("value");
    expect([...open.buffers[0]]).toEqual([137, 80, 78, 71, 1, 2, 3]);

    const update = commMsg(imageId, { method: "update", state: {}, buffer_paths: [["value"]] }, [
      Buffer.from([9, 8, 7]),
    ]);
    const [echo] = commMsgs(await kernel.iopubUntilIdle(update), imageId);
    expect(echo.content.data).toEqual({ method: "echo_update", state: {}, buffer_paths: [["value"]] });
    expect([...echo.buffers[0]]).toEqual([9, 8, 7]);
    expect(await value("Array.from(image.value)")).toEqual([9, 8, 7]);
  });

  it("answers request_states on the jupyter.widget.control comm with every live model and its buffers", async () => {
    const open = kernel.send("shell", "comm_open", {
      comm_id: "control-1",
      target_name: "jupyter.widget.control",
      data: {},
    });
    expect(messageTypes(await kernel.iopubUntilIdle(open))).toEqual(["status:busy", "status:idle"]);
    const request = commMsg("control-1", { method: "request_states" });
    const [answer] = commMsgs(await kernel.iopubUntilIdle(request), "control-1");
    const data = answer.content.data as {
      method: string;
      states: Record<
        string,
        { model_name: string; model_module: string; model_module_version: string; state: Record<string, unknown> }
      >;
      buffer_paths: (string | number)[][];
    };
    expect(data.method).toBe("update_states");
    expect(data.states[sliderId]).toMatchObject({
      model_name: "IntSliderModel",
      model_module: "@jupyter-widgets/controls",
      model_module_version: "2.0.0",
      state: { value: 10, description: "k" },
    });
    expect(data.states[imageId].model_name).toBe("ImageModel");
    const at = data.buffer_paths.findIndex((p) => p[0] === imageId);
    expect(data.buffer_paths[at]).toEqual([imageId, "state", "value"]);
    expect([...answer.buffers[at]]).toEqual([9, 8, 7]);
  });

  it("captures prints and displays into an Output widget's outputs", async () => {
    const iopub = await run(
      'const out = new widgets.Output();\nout.capture(() => { console.log("inside"); display.html("<b>x</b>"); });',
    );
    const outId = String(opens(iopub).at(-1)?.content.comm_id);
    const last = commMsgs(iopub, outId).at(-1)!;
    expect(state(last).outputs).toEqual([
      { output_type: "stream", name: "stdout", text: "inside\n" },
      {
        output_type: "display_data",
        data: { "text/html": "<b>x</b>", "text/plain": "<HTML: <b>x</b>>" },
        metadata: {},
      },
    ]);
    // Nothing of it went to the cell itself.
    expect(iopub.filter((m) => m.header.msg_type === "stream" || m.header.msg_type === "display_data")).toEqual([]);
  });

  it("drives the feature-map explorer and the RNN stepper from the front end: a channel update and a Next click redraw them", async () => {
    const iopub = await run(
      "nn.seed(1);\nconst cnn = keras.Sequential([keras.Input({ shape: [8, 8, 1] }), layers.Conv2D(3, 3), layers.MaxPooling2D(2)]);\nconst explorer = viz.featureMapExplorer(cnn, nn.randn([4, 8, 8, 1]));",
    );
    const shown = iopub.find((m) => m.header.msg_type === "display_data")!;
    expect(Object.keys(shown.content.data as object).sort()).toEqual(["image/png", "text/plain", VIEW].sort());
    const [channelId, viewId, captionId] = (await value(
      "[explorer.channel.modelId, explorer.view.modelId, explorer.caption.modelId]",
    )) as string[];
    const moved = await kernel.iopubUntilIdle(
      commMsg(channelId, { method: "update", state: { value: 2 }, buffer_paths: [] }),
    );
    const caption = commMsgs(moved, captionId).map((m) => state(m).value);
    expect(caption.join()).toContain("channel 2, image 0");
    const [redrawn] = commMsgs(moved, viewId);
    expect((redrawn.content.data as { buffer_paths: unknown }).buffer_paths).toEqual([["value"]]);
    expect([...redrawn.buffers[0].subarray(0, 4)]).toEqual([137, 80, 78, 71]);

    await run(
      'const rnn = keras.Sequential([keras.Input({ shape: [4, 2] }), layers.LSTM(3, { returnSequences: true }), layers.Dense(2, { activation: "softmax" })]);\nconst stepper = viz.rnnStepper(rnn, nn.randn([4, 2]));',
    );
    const [nextId, stepId, stepCaptionId] = (await value(
      "[stepper.next.modelId, stepper.step.modelId, stepper.caption.modelId]",
    )) as string[];
    const clicked = await kernel.iopubUntilIdle(commMsg(nextId, { method: "custom", content: { event: "click" } }));
    expect(commMsgs(clicked, stepId).map((m) => state(m).value)).toEqual([1]);
    expect(
      commMsgs(clicked, stepCaptionId)
        .map((m) => String(state(m).value))
        .join(),
    ).toContain("step 1 of 3");
    expect(await value("stepper.at().hidden.length")).toBe(3);
  });

  it("hands a Stop button's click to a fit that is running: training ends after that batch with weights and history", async () => {
    await run(`const model = keras.Sequential([keras.Input({ shape: [16] }), layers.Dense(32, { activation: "relu" }), layers.Dense(1)]);
model.compile({ loss: "mse", optimizer: "adam" });
const xs = nn.randn([2048, 16]);
const ys = nn.randn([2048, 1]);
let batches = 0;
const stop = new widgets.Button({ description: "Stop" });
stop.onClick(() => { model.stopTraining = true; });
const lr = new widgets.FloatSlider({ value: 0.001, min: 0, max: 0.01, step: 0.0001 });
const rates: number[] = [];
lr.observe(({ new: v }) => { rates.push(v as number); });`);
    const stopId = await value("stop.modelId");
    const lrId = String(await value("lr.modelId"));
    const started = kernel.marker("training");
    const training = kernel.send(
      "shell",
      "execute_request",
      executeContent(
        `const history = await model.fit(xs, ys, { epochs: 1000, batchSize: 32, verbose: 0, callbacks: [{ onBatchEnd: () => { batches++; if (batches === 3) { ${started.statement} } } }] });\nconst batchesAtStop = batches;`,
      ),
    );
    await started.reached;
    // Twenty updates while the cell runs: each is answered (busy, echo, idle) before the next is sent, as a
    // widget manager waits for idle before it sends the next one.
    const sent: number[] = [];
    for (let i = 1; i <= 20; i++) {
      sent.push(i / 10_000);
      const update = commMsg(lrId, { method: "update", state: { value: i / 10_000 }, buffer_paths: [] });
      const answer = await kernel.iopubUntilIdle(update, 30_000);
      expect(messageTypes(answer)).toEqual(["status:busy", "comm_msg", "status:idle"]);
    }
    const click = commMsg(String(stopId), { method: "custom", content: { event: "click" } });
    await kernel.iopubUntilIdle(click);
    const reply = await kernel.reply("shell", training, 60_000);
    expect(reply.content.status).toBe("ok");
    const cell = await kernel.iopubUntilIdle(training);
    // After each comm message's idle the kernel says busy again for the running cell; its idle comes last.
    expect(messageTypes(cell).slice(0, 1)).toEqual(["status:busy"]);
    expect(messageTypes(cell).at(-1)).toBe("status:idle");
    expect(messageTypes(cell).filter((t) => t === "status:busy").length).toBeGreaterThanOrEqual(22);

    const after = (await value(`(() => {
      const p = model.predict(xs.slice([0, 0], [4, 16]), { verbose: 0 }).dataSync();
      return {
        epochs: history.history.loss.length,
        finiteLoss: history.history.loss.every(Number.isFinite),
        finiteWeights: model.getWeights().every((w) => Array.from(w.dataSync()).every(Number.isFinite)),
        finitePrediction: Array.from(p).every(Number.isFinite),
        stopped: model.stopTraining,
        rates,
        lr: lr.value,
        batchesAtStop,
        batchesNow: batches,
      };
    })()`)) as Record<string, unknown>;
    expect(after).toMatchObject({
      finiteLoss: true,
      finiteWeights: true,
      finitePrediction: true,
      stopped: true,
      rates: sent,
      lr: 0.002,
    });
    expect(after.epochs as number).toBeGreaterThanOrEqual(1);
    expect(after.epochs as number).toBeLessThan(1000);
    // No batch ran after the cell ended: training did not go on in the background.
    expect(after.batchesNow).toBe(after.batchesAtStop);
    // The model trains again afterwards.
    expect(
      await value("(await model.fit(xs, ys, { epochs: 1, batchSize: 512, verbose: 0 })).history.loss.length"),
    ).toBe(1);
  }, 180_000);

  it("still interrupts a fit that received comm messages, and answers the next request", async () => {
    const started = kernel.marker("interrupt-training");
    const training = kernel.send(
      "shell",
      "execute_request",
      executeContent(`${started.statement}\nawait model.fit(xs, ys, { epochs: 1000, batchSize: 32, verbose: 0 });`),
    );
    await started.reached;
    await kernel.iopubUntilIdle(commMsg(sliderId, { method: "update", state: { value: 4 }, buffer_paths: [] }));
    const interrupt = kernel.send("control", "interrupt_request", {});
    await kernel.reply("control", interrupt);
    const reply = await kernel.reply("shell", training, 60_000);
    expect(reply.content).toMatchObject({ status: "error", ename: "InterruptError" });
    expect(await value("[slider.value, seen.at(-1)]")).toEqual([4, 4]);
  }, 120_000);
});
