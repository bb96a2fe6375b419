/**
 * Writes that never leave a half-written file where a good one was: the bytes
 * go to a temporary file in the same directory, are flushed to disk, and the
 * temporary file is renamed over the target (rename is atomic on one file
 * system). On any failure the temporary file is removed and the old file stays.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export function writeFileAtomic(target: string, bytes: Uint8Array): void {
  const dir = path.dirname(path.resolve(target));
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let fd: number | null = null;
  try {
    fd = fs.openSync(temp, "w");
    fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(temp, target);
  } catch (err) {
    if (fd !== null) fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    // The reason is in the message already; a cause would print it twice in a notebook's traceback.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(
      `Could not save "${target}": ${(err as Error).message}. Any existing file there was left unchanged.`,
    );
  }
}
