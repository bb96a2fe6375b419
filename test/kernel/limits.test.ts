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

  it("refuses a 1 GiB tensor under MEM_LIMIT=512 MiB with an error in the cell, and keeps the kernel and its variables", async () => {
    kernel = await KernelClient.start({ MEM_LIMIT: String(512 * 2 ** 20) });
    expect(
      await result(kernel, "const kept = nn.ones([3, 4]); const model = nn.randn([256, 256]); kept.sum().item()"),
    ).toBe("12");
    const { reply } = await kernel.execute("const big = nn.zeros([16384, 16384]);", { stop_on_error: false });
    expect(reply.content.status).toBe("error");
    expect(reply.content.ename).toBe("MemoryLimitError");
    const text = String(reply.content.evalue);
    expect(text).toContain("a tensor of shape [16384,16384] float32");
    expect(text).toMatch(/this would need [\d,]+ MiB; the limit is 512 MiB \(MEM_LIMIT\)/);
    // An op's result is refused the same way (its 1 GiB output, no JavaScript copy in between).
    const { reply: op } = await kernel.execute("nn.ones([1]).broadcastTo([16384, 16384]).add(1)", {
      stop_on_error: false,
    });
    expect(op.content.status).toBe("error");
    expect(String(op.content.evalue)).toMatch(
      /a tensor of shape \[16384,16384\] float32 needs 1,024 MiB more memory; .* the limit is 512 MiB \(MEM_LIMIT\)/,
    );
    expect(
      await result(kernel, "[kept.sum().item(), model.shape.join('x'), model.matmul(model).shape.join('x')].join(' ')"),
    ).toBe("'12 256x256 256x256'");
    expect(kernel.output).not.toMatch(/uncaught|unhandled/);
  });
});
