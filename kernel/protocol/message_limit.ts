/**
 * The largest frame the kernel accepts from a peer (ZeroMQ's ZMQ_MAXMSGSIZE). ZeroMQ reads a frame's length
 * before its body and disconnects a peer that announces more than this, so no client, forged or not, can
 * make the kernel buffer gigabytes before the signature check rejects the message. The peer's ZeroMQ
 * reconnects by itself; only the oversized message is lost.
 *
 * NNLAB_MAX_MESSAGE_BYTES sets it (bytes, at least 64 KiB). The default, 256 MiB, is far above what
 * a notebook sends: cells, comm messages and widget buffers are kilobytes to a few megabytes.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 2 ** 20;
/** Below this even an ordinary execute_request with a long cell could be refused. */
const MIN_MAX_MESSAGE_BYTES = 64 * 2 ** 10;

export interface MessageLimit {
  bytes: number;
  /** Set when NNLAB_MAX_MESSAGE_BYTES was given but unusable (the default is used then). */
  problem?: string;
}

/** The limit from the environment; a bad value falls back to the default and says why. */
export function messageLimit(env: NodeJS.ProcessEnv = process.env): MessageLimit {
  const raw = env.NNLAB_MAX_MESSAGE_BYTES;
  if (raw === undefined || raw.trim() === "") return { bytes: DEFAULT_MAX_MESSAGE_BYTES };
  const bytes = Number(raw);
  if (!Number.isSafeInteger(bytes) || bytes < MIN_MAX_MESSAGE_BYTES) {
    return {
      bytes: DEFAULT_MAX_MESSAGE_BYTES,
      problem:
        `NNLAB_MAX_MESSAGE_BYTES=${JSON.stringify(raw)} is not a whole number of bytes >= ${MIN_MAX_MESSAGE_BYTES}; ` +
        `using the default, ${DEFAULT_MAX_MESSAGE_BYTES} bytes`,
    };
  }
  return { bytes };
}
