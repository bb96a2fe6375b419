/**
 * The connection file Jupyter writes for each kernel: where to bind the five
 * sockets and the key that signs every message. The kernel binds exactly
 * these addresses and nothing else.
 */
import { readFileSync } from "node:fs";

export type Channel = "shell" | "iopub" | "stdin" | "control" | "hb";

export interface ConnectionInfo {
  transport: "tcp" | "ipc";
  ip: string;
  ports: Record<Channel, number>;
  key: string;
  signatureScheme: string;
}

const PORT_FIELDS: Record<Channel, string> = {
  shell: "shell_port",
  iopub: "iopub_port",
  stdin: "stdin_port",
  control: "control_port",
  hb: "hb_port",
};

/** Reads and checks a connection file; the error names the file and the field that is wrong. */
export function readConnectionFile(file: string): ConnectionInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`cannot read the connection file ${file}: ${(error as Error).message}`, { cause: error });
  }
  if (typeof raw !== "object" || raw === null) throw new Error(`the connection file ${file} is not a JSON object`);
  const fields = raw as Record<string, unknown>;
  const problem = (what: string) => new Error(`the connection file ${file} has ${what}`);

  const transport = fields.transport ?? "tcp";
  if (transport !== "tcp" && transport !== "ipc")
    throw problem(`transport ${JSON.stringify(transport)} (expected tcp or ipc)`);
  const ip = fields.ip ?? "127.0.0.1";
  if (typeof ip !== "string" || ip === "") throw problem("no ip");
  const key = fields.key ?? "";
  if (typeof key !== "string") throw problem("a key that is not a string");
  const signatureScheme = fields.signature_scheme ?? "hmac-sha256";
  if (typeof signatureScheme !== "string") throw problem("a signature_scheme that is not a string");

  const ports = {} as Record<Channel, number>;
  for (const [channel, field] of Object.entries(PORT_FIELDS) as [Channel, string][]) {
    const port = fields[field];
    if (typeof port !== "number" || !Number.isInteger(port) || port <= 0 || port > 65535) {
      throw problem(`no valid ${field} (got ${JSON.stringify(port)})`);
    }
    ports[channel] = port;
  }
  return { transport, ip, ports, key, signatureScheme };
}

/** The ZeroMQ endpoint of one channel, spelled as jupyter_client spells it. */
export function endpoint(info: ConnectionInfo, channel: Channel): string {
  const port = info.ports[channel];
  return info.transport === "tcp" ? `tcp://${info.ip}:${port}` : `ipc://${info.ip}-${port}`;
}
