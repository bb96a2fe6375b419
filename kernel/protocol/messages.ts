/**
 * The content of each message type nnlab sends, from @jupyterlab/services' `KernelMessage` types, so
 * that `reply(request, "execute_reply", content)` checks `content` against the messaging spec. Those
 * types are the reference; nnlab departs from them in three plain ways, all listed here:
 * - their open JSON records (`JSONObject`, `IMimeBundle`, `OutputMetadata`) are `Record<string, unknown>`
 *   here: nnlab fills them with display bundles, comm data and metadata typed so, and JSON.stringify
 *   writes them out;
 * - fields nnlab sends that the types lack are added (`Additions`), other forms of content it sends are
 *   allowed besides (`Alternatives`), and message types they do not list are spelled out (`Unlisted`).
 */
import type { KernelMessage } from "@jupyterlab/services";
import type { HistoryEntry } from "./history";

export type MessageType = KernelMessage.MessageType;

/** The content @jupyterlab/services gives `T` (never for a type it does not list). */
type SpecContent<T extends MessageType> = Extract<KernelMessage.Message, { header: { msg_type: T } }>["content"];

/** The spec's open JSON records: a string index signature and no required key. */
type IsOpenRecord<V> = V extends object
  ? string extends keyof V
    ? Record<string, never> extends V
      ? true
      : false
    : false
  : false;

/** A field's type with open JSON records (and arrays of them) as plain records. */
type Plain<V> =
  IsOpenRecord<V> extends true
    ? Record<string, unknown>
    : V extends readonly (infer E)[]
      ? IsOpenRecord<E> extends true
        ? Record<string, unknown>[]
        : V
      : V;

type Loosened<C> = { [K in keyof C]: Plain<C[K]> };

/** Fields nnlab sends beyond the spec's types. */
interface Additions {
  /** Protocol 5.3: whether the kernel has a debugger (nnlab: false). */
  kernel_info_reply: { debugger: boolean };
  /** As ipykernel: the open's metadata, in the content. */
  comm_open: { metadata: Record<string, unknown> };
  /** As ipykernel: an error reply has them too (empty). */
  execute_reply: { user_expressions?: Record<string, unknown>; payload?: Record<string, unknown>[] };
}

/** Content nnlab sends besides the forms the spec's types allow. */
interface Alternatives {
  /** As ipykernel: the reply to a request aborted after a failed cell has no execution_count. */
  execute_reply: KernelMessage.IReplyAbortContent;
  /** nnlab has no debugger: a debug_request gets an error reply, not a Debug Adapter Protocol response. */
  debug_reply: KernelMessage.IReplyErrorContent;
  /** As ipykernel: an entry's output is null where the cell had none. */
  history_reply: { status: "ok"; history: HistoryEntry[] };
}

/** Message types the spec's types do not list. */
interface Unlisted {
  shutdown_reply: { status: "ok"; restart: boolean };
}

/** The content nnlab sends with a message of type `T`. */
export type Content<T extends MessageType> = T extends keyof Unlisted
  ? Unlisted[T]
  : | (Loosened<SpecContent<T>> & (T extends keyof Additions ? Additions[T] : unknown))
    | (T extends keyof Alternatives ? Alternatives[T] : never);
