import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/paths";
import { KernelClient, messageTypes } from "./client";

describe("a kernel started as Jupyter starts it", () => {
  let kernel: KernelClient;
  beforeAll(async () => {
    kernel = await KernelClient.start();
  });
  afterAll(async () => {
    await kernel?.close();
  });

  it("answers kernel_info with protocol 5.3 and TypeScript language info", async () => {
    const id = kernel.send("shell", "kernel_info_request", {});
    const reply = await kernel.reply("shell", id);
    expect(reply.header.msg_type).toBe("kernel_info_reply");
    expect(reply.content).toMatchObject({
      status: "ok",
      protocol_version: "5.3",
      implementation: "nnlab",
      language_info: {
        name: "typescript",
        mimetype: "text/x.typescript",
        file_extension: ".ts",
        pygments_lexer: "typescript",
        codemirror_mode: { name: "javascript", typescript: true },
      },
    });
    expect(reply.content.implementation_version).toMatch(/^\d+\.\d+\.\d+/);
    expect((reply.content.language_info as { version: string }).version).toMatch(/^\d+\.\d+/);
    expect(reply.content.banner).toEqual(expect.stringContaining("nnlab"));
  });

  it("runs 1+1: busy, execute_input, execute_result 2, idle, in that order", async () => {
    const { reply, iopub } = await kernel.execute("1+1");
    expect(reply.content).toMatchObject({ status: "ok" });
    expect(messageTypes(iopub)).toEqual(["status:busy", "execute_input", "execute_result", "status:idle"]);
    const result = iopub.find((m) => m.header.msg_type === "execute_result");
    expect(result?.content.data).toMatchObject({ "text/plain": "2" });
    expect(result?.content.execution_count).toBe(reply.content.execution_count);
  });

  // HDF5 (h5wasm, for Keras 3 files) compiles asynchronously; the kernel starts it when a cell first uses nnlab
  // and the next cell waits for it, so that cell loads a .keras archive without awaiting anything.
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
