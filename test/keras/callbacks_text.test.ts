import { describe, expect, it } from "vitest";
import { formatCheckpointPath } from "../../runtime/keras/callbacks/model_checkpoint";
import { formatDuration, progressLine } from "../../runtime/keras/callbacks/progbar_logger";

describe("progress bar text", () => {
  it("shows step, bar, ETA, time per step, loss and metrics while running", () => {
    const line = progressLine(13, 422, 13 * 25, { loss: 1.81234, accuracy: 0.38125 }, false);
    expect(line).toBe(" 13/422 ━─────────────────── ETA: 10s 25ms/step - loss: 1.8123 - accuracy: 0.3812");
  });

  it("shows the elapsed time and validation metrics last when the epoch is done", () => {
    const line = progressLine(422, 422, 12_000, { val_loss: 0.08, accuracy: 0.9, loss: 0.4 }, true);
    expect(line).toBe(
      "422/422 ━━━━━━━━━━━━━━━━━━━━ 12s 28ms/step - loss: 0.4000 - accuracy: 0.9000 - val_loss: 0.0800",
    );
  });

  it("formats durations as Keras does", () => {
    expect(formatDuration(74_000)).toBe("1:14");
    expect(formatDuration(512)).toBe("512ms");
  });
});

describe("checkpoint paths", () => {
  it("fill Keras's epoch and metric placeholders", () => {
    expect(formatCheckpointPath("ckpt-{epoch:02d}-{val_loss:.2f}.safetensors", 3, { val_loss: 0.12345 })).toBe(
      "ckpt-03-0.12.safetensors",
    );
  });
});
