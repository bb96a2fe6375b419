import { afterEach, describe, expect, it } from "vitest";
import { KernelClient } from "./client";

/** The text/plain of a cell's result. */
async function result(kernel: KernelClient, code: string): Promise<unknown> {
  const { reply, iopub } = await kernel.execute(code);
  expect(reply.content.status, JSON.stringify(reply.content)).toBe("ok");
  return (
    iopub.find((m) => m.header.msg_type === "execute_result")?.content.data as Record<string, unknown> | undefined
  )?.["text/plain"];
}

describe("a kernel under a JupyterHub spawner's limits", () => {
  let kernel: KernelClient | undefined;
  afterEach(async () => {
    await kernel?.close();
    kernel = undefined;
  });

  it("starts one wasm thread under CPU_LIMIT=1, and NNLAB_WASM_THREADS still overrides", async () => {
    kernel = await KernelClient.start({ CPU_LIMIT: "1", NNLAB_WASM_THREADS: "" });
    expect(await result(kernel, "nn.backend().threads")).toBe("1");
    await kernel.close();
    kernel = await KernelClient.start({ CPU_LIMIT: "0.5", NNLAB_WASM_THREADS: "" });
    expect(await result(kernel, "nn.backend().threads")).toBe("1");
    await kernel.close();
    kernel = await KernelClient.start({ CPU_LIMIT: "1", NNLAB_WASM_THREADS: "3" });
    expect(await result(kernel, "nn.backend().threads")).toBe("3");
  });
});
