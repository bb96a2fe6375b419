import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DELIMITER, type Header, Wire } from "../../kernel/protocol/wire";

const KEY = "secret";

function signedFrames(parts: object[], key = KEY, identities: Buffer[] = [Buffer.from("client")]): Buffer[] {
  const encoded = parts.map((part) => Buffer.from(JSON.stringify(part)));
  const hmac = createHmac("sha256", key);
  for (const part of encoded) hmac.update(part);
  return [...identities, Buffer.from(DELIMITER), Buffer.from(hmac.digest("hex")), ...encoded];
}

const header = (msgType = "kernel_info_request", id = "m1"): Header => ({
  msg_id: id,
  msg_type: msgType as Header["msg_type"],
  session: "s",
  username: "u",
  date: "2024-01-01T00:00:00Z",
  version: "5.3",
});

describe("wire format", () => {
  it("parses a signed message with its identities and buffers", () => {
    const wire = new Wire({ key: KEY, signatureScheme: "hmac-sha256" });
    const frames = [...signedFrames([header(), {}, { a: 1 }, { code: "1" }]), Buffer.from("buffer")];
    const parsed = wire.parse(frames);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.message.identities.map(String)).toEqual(["client"]);
    expect(parsed.message.header.msg_type).toBe("kernel_info_request");
    expect(parsed.message.metadata).toEqual({ a: 1 });
    expect(parsed.message.content).toEqual({ code: "1" });
    expect(parsed.message.buffers.map(String)).toEqual(["buffer"]);
  });

  it("signs what it serializes so that a peer with the key verifies it", () => {
    const wire = new Wire({ key: KEY, signatureScheme: "hmac-sha256" });
    const frames = wire.serialize({
      msgType: "status",
      content: { execution_state: "idle" },
      parent: header(),
      identities: [Buffer.from("topic")],
    });
    const at = frames.findIndex((frame) => frame.toString() === DELIMITER);
    expect(frames[0].toString()).toBe("topic");
    const hmac = createHmac("sha256", KEY);
    for (const part of frames.slice(at + 2, at + 6)) hmac.update(part);
    expect(frames[at + 1].toString()).toBe(hmac.digest("hex"));
    expect(JSON.parse(frames[at + 2].toString())).toMatchObject({ msg_type: "status", version: "5.3" });
    expect(JSON.parse(frames[at + 3].toString())).toEqual(header());
  });

  it.each([
    ["a wrong key", signedFrames([header(), {}, {}, {}], "other"), "bad-signature"],
    [
      "no signature",
      (() => {
        const f = signedFrames([header(), {}, {}, {}]);
        f[2] = Buffer.from("");
        return f;
      })(),
      "unsigned",
    ],
    ["no delimiter", [Buffer.from("just one frame")], "malformed"],
    ["too few frames", [Buffer.from(DELIMITER), Buffer.from("sig"), Buffer.from("{}")], "malformed"],
    ["a header without msg_type", signedFrames([{ msg_id: "x" }, {}, {}, {}]), "malformed"],
    ["content that is not an object", signedFrames([header(), {}, {}, [1, 2]]), "malformed"],
  ])("rejects a message with %s as a typed error instead of throwing", (_, frames, reason) => {
    const wire = new Wire({ key: KEY, signatureScheme: "hmac-sha256" });
    const parsed = wire.parse(frames);
    expect(parsed).toMatchObject({ ok: false, error: { reason } });
  });

  it("rejects a tampered content frame", () => {
    const wire = new Wire({ key: KEY, signatureScheme: "hmac-sha256" });
    const frames = signedFrames([header(), {}, {}, { code: "1" }]);
    frames[frames.length - 1] = Buffer.from(JSON.stringify({ code: "evil()" }));
    expect(wire.parse(frames)).toMatchObject({ ok: false, error: { reason: "bad-signature" } });
  });

  it("rejects a replayed signature, and forgets the oldest signatures once its history is full", () => {
    const wire = new Wire({ key: KEY, signatureScheme: "hmac-sha256", replayHistory: 10 });
    const first = signedFrames([header("kernel_info_request", "first"), {}, {}, {}]);
    expect(wire.parse(first).ok).toBe(true);
    expect(wire.parse(first)).toMatchObject({ ok: false, error: { reason: "replay" } });
    for (let i = 0; i < 10; i++)
      expect(wire.parse(signedFrames([header("kernel_info_request", `m${i}`), {}, {}, {}])).ok).toBe(true);
    expect(wire.parse(first).ok).toBe(true);
  });

  it("accepts unsigned messages when the connection key is empty, as jupyter_client does", () => {
    const wire = new Wire({ key: "", signatureScheme: "hmac-sha256" });
    const frames = signedFrames([header(), {}, {}, {}]);
    frames[2] = Buffer.from("");
    expect(wire.parse(frames).ok).toBe(true);
  });

  it("refuses a signature scheme it cannot compute", () => {
    expect(() => new Wire({ key: KEY, signatureScheme: "rot13" })).toThrow(/signature_scheme "rot13"/);
  });
});
