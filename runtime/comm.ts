/**
 * Comms: a two-way channel between code in the kernel and code in the front
 * end (what ipywidgets are built on). The runtime states the interface; the
 * kernel installs the manager that speaks the Jupyter comm messages, the same
 * way it installs a display sink. In plain Node the default manager has no
 * front end: targets are kept, and comms opened from this side go nowhere.
 */

export type CommData = Record<string, unknown>;
export type CommBuffers = readonly (ArrayBuffer | ArrayBufferView)[];

export interface Comm {
  readonly commId: string;
  readonly targetName: string;
  readonly closed: boolean;
  /** A `comm_msg` to the other side. */
  send(data: CommData, buffers?: CommBuffers): void;
  /** A `comm_close` to the other side; later sends are ignored. */
  close(data?: CommData): void;
  onMsg(handler: (data: CommData, buffers: Uint8Array[]) => void): void;
  onClose(handler: (data: CommData) => void): void;
}

/** Called when the front end opens a comm to this target, with the `data` of its `comm_open`. */
export type CommTargetHandler = (comm: Comm, data: CommData, buffers: Uint8Array[]) => void;

export interface CommOpenOptions {
  metadata?: CommData;
  buffers?: CommBuffers;
}

export interface CommManager {
  registerTarget(targetName: string, handler: CommTargetHandler): void;
  unregisterTarget(targetName: string): void;
  /** Opens a comm from this side (a `comm_open` to the front end). */
  open(targetName: string, data?: CommData, options?: CommOpenOptions): Comm;
}

export function setCommManager(next: CommManager | null): void {
  manager = next ?? detachedManager();
}

export function getCommManager(): CommManager {
  return manager;
}

let manager: CommManager = detachedManager();

function detachedManager(): CommManager {
  const targets = new Map<string, CommTargetHandler>();
  let opened = 0;
  return {
    registerTarget: (name, handler) => void targets.set(name, handler),
    unregisterTarget: (name) => void targets.delete(name),
    open(targetName) {
      opened += 1;
      return detachedComm(`detached-${opened}`, targetName);
    },
  };
}

function detachedComm(commId: string, targetName: string): Comm {
  let closed = false;
  const closeHandlers: ((data: CommData) => void)[] = [];
  return {
    commId,
    targetName,
    get closed() {
      return closed;
    },
    send() {},
    close(data = {}) {
      if (closed) return;
      closed = true;
      for (const handler of closeHandlers) handler(data);
    },
    onMsg() {},
    onClose: (handler) => void closeHandlers.push(handler),
  };
}
