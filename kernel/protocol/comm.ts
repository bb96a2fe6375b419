/**
 * The kernel's comm registry: targets that runtime code registered, the comms
 * open right now, and the translation between them and the `comm_open`,
 * `comm_msg` and `comm_close` messages. The server hands incoming messages in;
 * outgoing ones leave through `publish` on IOPub.
 */
import { randomUUID } from "node:crypto";
import type { Comm, CommBuffers, CommData, CommManager, CommOpenOptions, CommTargetHandler } from "../../runtime/comm";
import type { Content } from "./messages";

type CommMessageType = "comm_open" | "comm_msg" | "comm_close";

/** Sends a comm message on IOPub; `metadata` is the message's own (a widget's protocol version goes there). */
export type PublishComm = <T extends CommMessageType>(
  msgType: T,
  content: Content<T>,
  buffers?: CommBuffers,
  metadata?: CommData,
) => void;

/** A comm handler (user code) threw; `what` says where. */
export type CommFault = (error: unknown, what: string) => void;

export class CommRegistry implements CommManager {
  private readonly targets = new Map<string, CommTargetHandler>();
  private readonly comms = new Map<string, KernelComm>();

  constructor(
    private readonly publish: PublishComm,
    private readonly fault: CommFault,
  ) {}

  registerTarget(targetName: string, handler: CommTargetHandler): void {
    this.targets.set(targetName, handler);
  }

  unregisterTarget(targetName: string): void {
    this.targets.delete(targetName);
  }

  open(targetName: string, data: CommData = {}, options: CommOpenOptions = {}): Comm {
    const comm = new KernelComm(randomUUID().replace(/-/g, ""), targetName, this);
    this.comms.set(comm.commId, comm);
    this.publish(
      "comm_open",
      { comm_id: comm.commId, target_name: targetName, data, metadata: options.metadata ?? {} },
      options.buffers,
      options.metadata,
    );
    return comm;
  }

  /** `comm_open` from the front end; an unknown target gets a `comm_close` back, as in ipykernel. */
  handleOpen(content: CommData, buffers: Uint8Array[]): void {
    const commId = textOf(content.comm_id);
    const targetName = textOf(content.target_name);
    const handler = this.targets.get(targetName);
    if (!handler || commId === "") {
      this.publish("comm_close", { comm_id: commId, data: {} });
      return;
    }
    const comm = new KernelComm(commId, targetName, this);
    this.comms.set(commId, comm);
    try {
      handler(comm, dataOf(content), buffers);
    } catch (error) {
      this.fault(error, `the comm target "${targetName}" failed to open comm ${commId}`);
      comm.close();
    }
  }

  /** `comm_msg` from the front end. Returns false when no such comm is open. */
  handleMsg(content: CommData, buffers: Uint8Array[]): boolean {
    const comm = this.comms.get(textOf(content.comm_id));
    if (!comm) return false;
    comm.deliver(dataOf(content), buffers, this.fault);
    return true;
  }

  /** `comm_close` from the front end: the comm's close handlers run; nothing is sent back. */
  handleClose(content: CommData): boolean {
    const comm = this.comms.get(textOf(content.comm_id));
    if (!comm) return false;
    this.comms.delete(comm.commId);
    comm.closedByPeer(dataOf(content), this.fault);
    return true;
  }

  /** `comm_info_reply` content: open comms, only those of `targetName` when one is given. */
  info(targetName?: string): Record<string, { target_name: string }> {
    const comms: Record<string, { target_name: string }> = {};
    for (const comm of this.comms.values()) {
      if (targetName === undefined || targetName === "" || comm.targetName === targetName) {
        comms[comm.commId] = { target_name: comm.targetName };
      }
    }
    return comms;
  }

  /** Called by a comm that this side closes. */
  forget(comm: KernelComm, data: CommData): void {
    this.comms.delete(comm.commId);
    this.publish("comm_close", { comm_id: comm.commId, data });
  }

  /** Called by a comm that sends. */
  send(comm: KernelComm, data: CommData, buffers?: CommBuffers): void {
    this.publish("comm_msg", { comm_id: comm.commId, data }, buffers);
  }
}

class KernelComm implements Comm {
  private readonly msgHandlers: ((data: CommData, buffers: Uint8Array[]) => void)[] = [];
  private readonly closeHandlers: ((data: CommData) => void)[] = [];
  private isClosed = false;

  constructor(
    readonly commId: string,
    readonly targetName: string,
    private readonly registry: CommRegistry,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  send(data: CommData, buffers?: CommBuffers): void {
    if (!this.isClosed) this.registry.send(this, data, buffers);
  }

  close(data: CommData = {}): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.registry.forget(this, data);
  }

  onMsg(handler: (data: CommData, buffers: Uint8Array[]) => void): void {
    this.msgHandlers.push(handler);
  }

  onClose(handler: (data: CommData) => void): void {
    this.closeHandlers.push(handler);
  }

  deliver(data: CommData, buffers: Uint8Array[], fault: CommFault): void {
    for (const handler of this.msgHandlers) {
      try {
        handler(data, buffers);
      } catch (error) {
        fault(error, `a message handler of comm ${this.commId} (target "${this.targetName}") failed`);
      }
    }
  }

  closedByPeer(data: CommData, fault: CommFault): void {
    this.isClosed = true;
    for (const handler of this.closeHandlers) {
      try {
        handler(data);
      } catch (error) {
        fault(error, `a close handler of comm ${this.commId} (target "${this.targetName}") failed`);
      }
    }
  }
}

/** A field of a message as text: "" when it is missing, else `String(value)`. */
function textOf(value: unknown): string {
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- ids are strings; anything else is shown as String() shows it
  return value === undefined || value === null ? "" : String(value);
}

function dataOf(content: CommData): CommData {
  const data = content.data;
  return typeof data === "object" && data !== null && !Array.isArray(data) ? (data as CommData) : {};
}
