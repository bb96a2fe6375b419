/**
 * Where the kernel listens: exactly the five ports of its connection file, on the connection file's
 * address, and nothing else, also after the runtime, its worker threads and gpu.js have loaded.
 * Read from the kernel process's own sockets (/proc/PID/fd) matched against /proc/net/tcp and tcp6.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KernelClient } from "../kernel/client";
import { run } from "./kernel_probe";
import type { ConnectionFile } from "./raw_sockets";

interface Listening {
  address: string;
  port: number;
}

const LISTEN = "0A";

/** TCP sockets in LISTEN state that process `pid` holds. */
function listeningSocketsOf(pid: number): Listening[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]);
    } catch {
      // closed while we looked
    }
  }
  const found: Listening[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== LISTEN || !inodes.has(fields[9])) continue;
      const [hexAddress, hexPort] = fields[1].split(":");
      found.push({ address: decodeAddress(hexAddress), port: Number.parseInt(hexPort, 16) });
    }
  }
  return found.sort((a, b) => a.port - b.port);
}

/** /proc/net/tcp writes an IPv4 address as one little-endian hex word; IPv6 as four. */
function decodeAddress(hex: string): string {
  if (hex.length === 8) return [0, 1, 2, 3].map((i) => Number.parseInt(hex.slice(6 - 2 * i, 8 - 2 * i), 16)).join(".");
  return hex;
}

describe("the kernel's listening sockets", () => {
  let kernel: KernelClient;
  let connection: ConnectionFile;
  beforeAll(async () => {
    kernel = await KernelClient.start();
    connection = JSON.parse(readFileSync(kernel.connectionFile, "utf8")) as ConnectionFile;
  });
  afterAll(async () => {
    await kernel?.close();
  });

  const expected = (): Listening[] =>
    [connection.shell_port, connection.iopub_port, connection.stdin_port, connection.control_port, connection.hb_port]
      .map((port) => ({ address: connection.ip, port }))
      .sort((a, b) => a.port - b.port);

  it("listens on exactly the connection file's five ports, on its address", () => {
    expect(listeningSocketsOf(kernel.pid)).toEqual(expected());
  });

  it("opens no other port once the runtime, its worker threads and gpu.js have run", async () => {
    await run(
      kernel,
      `const model = keras.Sequential([keras.Input({ shape: [8] }), layers.Dense(4), layers.Dense(1)]);
model.compile({ loss: "mse", optimizer: "adam" });
await model.fit(nn.randn([256, 8]), nn.randn([256, 1]), { epochs: 1, verbose: 0 });
nn.setBackend("gpujs");
nn.matmul(nn.randn([64, 64]), nn.randn([64, 64])).dataSync();
nn.setBackend("auto");`,
    );
    expect(listeningSocketsOf(kernel.pid)).toEqual(expected());
  });
});
