/**
 * Keras 3 files in a real kernel: HDF5 (h5wasm) compiles asynchronously; the kernel starts it when a cell
 * first uses nnlab and the next cell waits for it, so that cell loads a .keras archive without awaiting anything.
 */
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/paths";
import { KernelClient } from "./client";

describe("Keras files in the kernel", () => {
  let kernel: KernelClient;
  beforeAll(async () => {
    kernel = await KernelClient.start();
  });
  afterAll(async () => {
    await kernel?.close();
  });

  it("a cell after the first one that uses nnlab loads a .keras archive written by Keras 3", async () => {
    const first = await kernel.execute("nn.tensor([1, 2]).shape");
    expect(first.reply.content).toMatchObject({ status: "ok" });
    const file = JSON.stringify(path.join(REPO_ROOT, "test", "fixtures", "keras", "seq_cnn.keras"));
    const { reply, iopub } = await kernel.execute(
      `keras.models.loadModel(${file}).layers.map((l) => l.className).join(",")`,
    );
    expect(reply.content).toMatchObject({ status: "ok" });
    const result = iopub.find((m) => m.header.msg_type === "execute_result");
    expect((result?.content.data as Record<string, string>)["text/plain"]).toContain(
      "Conv2D,BatchNormalization,MaxPooling2D,Conv2D,AveragePooling2D,Flatten,Dropout,Dense",
    );
  });
});
