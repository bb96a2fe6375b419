/**
 * A seeded generator of hostile multipart messages for the kernel's sockets. Every message is one of a
 * fixed set of attack kinds (no delimiter, truncated frame counts, bad JSON, wrong types, unknown and
 * prototype-named message types, forged or missing signatures, huge frames, garbage bytes). Messages the
 * kernel must not trust carry a payload that would create a marker file if it ever ran; messages that are
 * correctly signed (the kernel may act on them) never carry it and never shut the kernel down.
 * The same seed gives the same messages, so a failure reproduces.
 */
import { createHmac, randomUUID } from "node:crypto";

export const DELIMITER = "<IDS|MSG>";

/** Where a message goes: the kernel's ZeroMQ sockets that accept input. */
export type Target = "shell" | "control" | "stdin" | "hb" | "iopub";

export interface HostileMessage {
  kind: string;
  frames: Buffer[];
}

export interface HostileOptions {
  seed: number;
  key: string;
  /** A cell that writes the marker file: it must never run. */
  markerCode: string;
  /** Bytes of the huge frames. */
  hugeBytes: number;
}

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Message types that name properties of a plain object's prototype: a dispatch table must not call them. */
const PROTOTYPE_NAMES = [
  "constructor",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "__proto__",
  "__defineGetter__",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
];

/** Request types the kernel handles, with content of wrong types; never shutdown_request (authorised, it would end the kernel). */
const KNOWN_TYPES = [
  "execute_request",
  "kernel_info_request",
  "complete_request",
  "inspect_request",
  "is_complete_request",
  "history_request",
  "comm_info_request",
  "comm_open",
  "comm_msg",
  "comm_close",
  "debug_request",
  "input_reply",
  "interrupt_request",
];

/** Values of every JSON type, including the awkward ones. */
const ODD_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  2 ** 53 + 1,
  "",
  "x".repeat(1000),
  "\u0000\ud800",
  [],
  [1, "a", null],
  {},
  { __proto__: { polluted: true } },
  { nested: { deeper: [{}] } },
];

const CONTENT_FIELDS = [
  "code",
  "silent",
  "store_history",
  "user_expressions",
  "allow_stdin",
  "stop_on_error",
  "cursor_pos",
  "detail_level",
  "hist_access_type",
  "n",
  "pattern",
  "start",
  "stop",
  "session",
  "raw",
  "output",
  "unique",
  "target_name",
  "comm_id",
  "data",
  "value",
  "restart",
];

export class HostileMessages {
  private readonly random: () => number;
  private readonly huge: Buffer;
  private readonly signedSoFar: Buffer[][] = [];

  constructor(private readonly options: HostileOptions) {
    this.random = seededRandom(options.seed);
    this.huge = Buffer.alloc(options.hugeBytes, "{");
  }

  /** The next message for `target` (heartbeat and IOPub get raw frames: they carry no Jupyter messages). */
  next(target: Target): HostileMessage {
    if (target === "hb" || target === "iopub") return this.rawFrames();
    const kinds: Array<() => HostileMessage> = [
      () => this.noDelimiter(),
      () => this.truncated(),
      () => this.badJson(),
      () => this.notObjects(),
      () => this.wrongHeaderTypes(),
      () => this.unknownType(),
      () => this.prototypeType(),
      () => this.wrongContentTypes(target),
      () => this.forgedSignature(),
      () => this.missingSignature(),
      () => this.borrowedSignature(),
      () => this.manyIdentities(),
      () => this.garbage(),
      () => this.replayed(),
    ];
    return this.pick(kinds)();
  }

  /** A huge frame for `target`: unsigned, forged, or correctly signed but not JSON. */
  hugeMessage(target: Target, variant: number): HostileMessage {
    if (target === "hb" || target === "iopub") return { kind: "huge raw frame", frames: [this.huge] };
    const parts = [this.header("execute_request"), {}, {}, { code: this.options.markerCode }].map(json);
    switch (variant % 3) {
      case 0:
        return { kind: "huge unsigned", frames: [delimiter(), Buffer.alloc(0), ...parts, this.huge] };
      case 1:
        return {
          kind: "huge forged",
          frames: [delimiter(), Buffer.from("ab".repeat(32)), parts[0], parts[1], parts[2], this.huge],
        };
      default: {
        const signed = [parts[0], parts[1], parts[2], this.huge];
        return { kind: "huge signed non-JSON content", frames: [delimiter(), this.sign(signed), ...signed] };
      }
    }
  }

  // ----- unsigned or wrongly signed: would run the marker if trusted -----

  private noDelimiter(): HostileMessage {
    const parts = this.markerParts();
    return { kind: "no delimiter", frames: [this.sign(parts), ...parts] };
  }

  private truncated(): HostileMessage {
    const parts = this.markerParts();
    const keep = this.int(0, 4);
    const frames = [delimiter(), this.sign(parts), ...parts].slice(0, keep + 1);
    return { kind: `truncated to ${keep} frames after the delimiter`, frames };
  }

  private forgedSignature(): HostileMessage {
    const parts = this.markerParts();
    const forged = this.pick([
      () => Buffer.from(hmac("not the key", parts)),
      () => Buffer.from(hmac(this.options.key, parts).toUpperCase()),
      () => Buffer.from(hmac(this.options.key, parts).slice(0, 63)),
      () => Buffer.from(hmac(this.options.key, parts) + "0"),
      () => Buffer.from("0".repeat(64)),
      () => this.bytes(64),
      () => Buffer.from("é".repeat(32)),
    ])();
    return { kind: "forged signature", frames: [delimiter(), forged, ...parts] };
  }

  private missingSignature(): HostileMessage {
    return { kind: "missing signature", frames: [delimiter(), Buffer.alloc(0), ...this.markerParts()] };
  }

  /** A valid HMAC of other frames: right key, wrong message. */
  private borrowedSignature(): HostileMessage {
    const other = [this.header("kernel_info_request"), {}, {}, {}].map(json);
    return { kind: "signature of another message", frames: [delimiter(), this.sign(other), ...this.markerParts()] };
  }

  private manyIdentities(): HostileMessage {
    const identities = Array.from({ length: this.int(1, 40) }, () => this.bytes(this.int(0, 300)));
    return {
      kind: "many identities, forged",
      frames: [...identities, delimiter(), Buffer.from("f".repeat(64)), ...this.markerParts()],
    };
  }

  private garbage(): HostileMessage {
    return {
      kind: "garbage frames",
      frames: Array.from({ length: this.int(1, 12) }, () => this.bytes(this.int(0, 2000))),
    };
  }

  /** A correctly signed message sent again: the second copy must be dropped as a replay. */
  private replayed(): HostileMessage {
    if (this.signedSoFar.length === 0) return this.missingSignature();
    return { kind: "replay", frames: this.signedSoFar[this.int(0, this.signedSoFar.length - 1)] };
  }

  // ----- correctly signed, malformed or unexpected: the kernel may read them, must survive them -----

  private badJson(): HostileMessage {
    const parts = [this.header("kernel_info_request"), {}, {}, {}].map(json);
    const bad = this.pick([
      () => Buffer.from("{not json"),
      () => Buffer.from('{"a":'),
      () => Buffer.from(""),
      () => Buffer.from([0xff, 0xfe, 0x00, 0x7b]),
      () => Buffer.from("{}".padEnd(5000, "}")),
      () => Buffer.from('{"a":1}{"b":2}'),
    ])();
    parts[this.int(0, 3)] = bad;
    return this.signed("bad JSON", parts);
  }

  private notObjects(): HostileMessage {
    const parts = [this.header("kernel_info_request"), {}, {}, {}].map(json);
    parts[this.int(0, 3)] = Buffer.from(this.pick(["[]", "null", "42", '"header"', "true", "[{}]"]));
    return this.signed("JSON that is not an object", parts);
  }

  private wrongHeaderTypes(): HostileMessage {
    const header: Record<string, unknown> = this.header(this.pick(KNOWN_TYPES));
    const field = this.pick(["msg_type", "msg_id", "session", "username", "date", "version"]);
    if (this.random() < 0.3) delete header[field];
    else header[field] = this.odd();
    return this.signed(`header.${field} of a wrong type`, [header, this.odd() ?? {}, {}, {}].map(jsonObject));
  }

  private unknownType(): HostileMessage {
    const type = this.pick([
      `fuzz_${this.int(0, 1e6)}_request`,
      "execute_reply",
      "status",
      "stream",
      "",
      " ",
      "EXECUTE_REQUEST",
      "shutdown_reply",
    ]);
    return this.signed(
      `unknown type "${type.replace(/\d+/, "N")}"`,
      [this.header(type), {}, {}, { code: "1" }].map(json),
    );
  }

  private prototypeType(): HostileMessage {
    const type = this.pick(PROTOTYPE_NAMES);
    return this.signed(`prototype-named type "${type}"`, [this.header(type), {}, {}, {}].map(json));
  }

  private wrongContentTypes(target: Target): HostileMessage {
    const type = target === "stdin" && this.random() < 0.5 ? "input_reply" : this.pick(KNOWN_TYPES);
    const content: Record<string, unknown> = {};
    for (let i = this.int(0, 4); i > 0; i--) content[this.pick(CONTENT_FIELDS)] = this.odd();
    if (type === "execute_request" && typeof content.code === "string") content.code = "";
    const parent = this.random() < 0.5 ? {} : this.odd();
    const metadata = this.random() < 0.8 ? {} : this.odd();
    return this.signed(
      `${type} with content of wrong types`,
      [this.header(type), parent, metadata, content].map(jsonObject),
    );
  }

  private rawFrames(): HostileMessage {
    const frames = Array.from({ length: this.int(0, 6) }, () => this.bytes(this.int(0, 3000)));
    if (this.random() < 0.5) frames.unshift(Buffer.alloc(0));
    if (frames.length === 0) frames.push(Buffer.alloc(0));
    return { kind: "raw frames", frames };
  }

  // ----- helpers -----

  private signed(kind: string, parts: Buffer[]): HostileMessage {
    const frames = [delimiter(), this.sign(parts), ...parts];
    if (this.signedSoFar.length < 200) this.signedSoFar.push(frames);
    return { kind, frames };
  }

  private markerParts(): Buffer[] {
    const type = this.pick(["execute_request", "shutdown_request", "interrupt_request", "comm_open"]);
    return [this.header(type), {}, {}, { code: this.options.markerCode, silent: false, restart: false }].map(json);
  }

  private header(msgType: string): Record<string, unknown> {
    return {
      msg_id: randomUUID(),
      msg_type: msgType,
      session: "fuzz",
      username: "fuzz",
      date: new Date().toISOString(),
      version: "5.3",
    };
  }

  private sign(parts: Buffer[]): Buffer {
    return Buffer.from(hmac(this.options.key, parts));
  }

  private odd(): unknown {
    return this.pick(ODD_VALUES);
  }

  private bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.random() * 256);
    return out;
  }

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.random() * (hi - lo + 1));
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }
}

function hmac(key: string, parts: Buffer[]): string {
  const mac = createHmac("sha256", key);
  for (const part of parts) mac.update(part);
  return mac.digest("hex");
}

function delimiter(): Buffer {
  return Buffer.from(DELIMITER);
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** JSON of a value that may not be an object (a wrong type is the point); undefined encodes as "null". */
function jsonObject(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value) ?? "null");
}
