/**
 * The Jupyter wire format (messaging protocol 5.3): a multipart ZeroMQ message
 * is `identities..., <IDS|MSG>, signature, header, parent_header, metadata,
 * content, buffers...`, and the signature is an HMAC of the four JSON frames.
 * This file frames, signs and verifies messages; it does not interpret them.
 * Everything malformed comes back as a `WireError`, never as a throw, so one
 * bad message cannot stop a receive loop.
 */
import { createHmac, getHashes, randomUUID, timingSafeEqual } from "node:crypto";
import type { KernelMessage } from "@jupyterlab/services";
import { type DigestHistory, LocalDigestHistory } from "./digest_history";

export const PROTOCOL_VERSION = "5.3";
export const DELIMITER = "<IDS|MSG>";

export type JsonObject = Record<string, unknown>;
export type Header = KernelMessage.IHeader;
export type ParentHeader = Header | Record<string, never>;

/** A verified message as it came off a socket. */
export interface WireMessage {
  /** ZeroMQ routing identities: a reply goes back with the same ones. */
  identities: Buffer[];
  header: Header;
  parentHeader: ParentHeader;
  metadata: JsonObject;
  content: JsonObject;
  buffers: Buffer[];
}

export interface OutgoingMessage {
  msgType: string;
  content: object;
  /** The request this answers; its header becomes `parent_header`. */
  parent?: ParentHeader;
  metadata?: JsonObject;
  buffers?: readonly (ArrayBuffer | ArrayBufferView)[];
  identities?: readonly Buffer[];
}

type WireErrorReason = "malformed" | "unsigned" | "bad-signature" | "replay";

export interface WireError {
  reason: WireErrorReason;
  detail: string;
}

export type ParseResult = { ok: true; message: WireMessage } | { ok: false; error: WireError };

export interface WireOptions {
  /** The connection file's `key`; an empty key turns signing off, as in jupyter_client. */
  key: string;
  /** The connection file's `signature_scheme`, `hmac-sha256` in practice. */
  signatureScheme: string;
  /** Shared by every message this kernel sends. */
  session?: string;
  /** How many signatures to remember for replay detection (ipykernel keeps 2^16). */
  replayHistory?: number;
  /** A history shared with the other thread's Wire (see digest_history.ts); replaces `replayHistory`. */
  history?: DigestHistory;
}

export class Wire {
  readonly session: string;
  private readonly key: Buffer;
  private readonly digest: string;
  private readonly history: DigestHistory;

  constructor(options: WireOptions) {
    this.key = Buffer.from(options.key, "utf8");
    this.digest = digestOf(options.signatureScheme);
    this.session = options.session ?? randomUUID();
    this.history = options.history ?? new LocalDigestHistory(options.replayHistory);
  }

  /** Verifies and decodes one multipart message. */
  parse(frames: readonly Buffer[]): ParseResult {
    const split = frames.findIndex((frame) => frame.length === DELIMITER.length && frame.toString() === DELIMITER);
    if (split < 0) return failure("malformed", "no <IDS|MSG> delimiter");
    const identities = frames.slice(0, split);
    const body = frames.slice(split + 1);
    if (body.length < 5) return failure("malformed", `${body.length} frames after the delimiter, expected at least 5`);
    const [signature, headerFrame, parentFrame, metadataFrame, contentFrame] = body;
    if (this.key.length > 0) {
      const problem = this.verify(signature.toString("ascii"), body.slice(1, 5));
      if (problem) return problem;
    }
    const header = decodeObject(headerFrame);
    const parentHeader = decodeObject(parentFrame);
    const metadata = decodeObject(metadataFrame);
    const content = decodeObject(contentFrame);
    if (!header || !parentHeader || !metadata || !content) {
      return failure("malformed", "a header, parent_header, metadata or content frame is not a JSON object");
    }
    if (typeof header.msg_type !== "string" || typeof header.msg_id !== "string") {
      return failure("malformed", "the header lacks msg_type or msg_id");
    }
    return {
      ok: true,
      message: {
        identities: [...identities],
        header: header as unknown as Header,
        parentHeader: parentHeader as ParentHeader,
        metadata,
        content,
        buffers: body.slice(5),
      },
    };
  }

  /** Frames and signs a message with a fresh header. */
  serialize(message: OutgoingMessage): Buffer[] {
    const header: Header = {
      msg_id: randomUUID(),
      msg_type: message.msgType as KernelMessage.MessageType,
      session: this.session,
      username: "nnlab",
      date: new Date().toISOString(),
      version: PROTOCOL_VERSION,
    };
    const parts = [header, message.parent ?? {}, message.metadata ?? {}, message.content].map((part) =>
      Buffer.from(JSON.stringify(part), "utf8"),
    );
    return [
      ...(message.identities ?? []),
      Buffer.from(DELIMITER),
      Buffer.from(this.sign(parts), "ascii"),
      ...parts,
      ...(message.buffers ?? []).map(toBuffer),
    ];
  }

  private sign(parts: readonly Buffer[]): string {
    if (this.key.length === 0) return "";
    const hmac = createHmac(this.digest, this.key);
    for (const part of parts) hmac.update(part);
    return hmac.digest("hex");
  }

  private verify(signature: string, signed: readonly Buffer[]): ParseResult | undefined {
    if (signature.length === 0) return failure("unsigned", "the message carries no signature");
    const expected = Buffer.from(this.sign(signed), "ascii");
    const given = Buffer.from(signature, "ascii");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return failure("bad-signature", "the signature does not match the connection key");
    }
    if (!this.history.add(signature))
      return failure("replay", `signature ${signature.slice(0, 16)}... was seen before`);
    return undefined;
  }
}

/** Describes a dropped message for the kernel log. */
export function describeWireError(error: WireError, channel: string): string {
  return `dropped a message on ${channel}: ${error.reason} (${error.detail})`;
}

function digestOf(scheme: string): string {
  const match = /^hmac-(.+)$/.exec(scheme);
  const digest = match?.[1];
  if (!digest || !getHashes().includes(digest)) {
    throw new Error(`unsupported signature_scheme "${scheme}" in the connection file: use hmac-sha256`);
  }
  return digest;
}

function decodeObject(frame: Buffer): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(frame.toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}

function toBuffer(buffer: ArrayBuffer | ArrayBufferView): Buffer {
  return ArrayBuffer.isView(buffer)
    ? Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength)
    : Buffer.from(buffer);
}

function failure(reason: WireErrorReason, detail: string): ParseResult {
  return { ok: false, error: { reason, detail } };
}
