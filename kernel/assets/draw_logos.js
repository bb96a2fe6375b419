// Draws the kernel logos (a small three-layer network on TypeScript blue) with pngjs:
// `node kernel/assets/draw_logos.js` rewrites logo-32x32.png and logo-64x64.png beside this file.
const { PNG } = require("pngjs");
const { writeFileSync } = require("node:fs");
const path = require("node:path");

const BACKGROUND = [49, 120, 198];
const INK = [255, 255, 255];
const layers = [
  [0.22, [0.3, 0.5, 0.7]],
  [0.5, [0.22, 0.41, 0.59, 0.78]],
  [0.78, [0.38, 0.62]],
];

/** Coverage of one point in the unit square: 1 on ink, 0 on background. */
function ink(x, y) {
  for (const [cx, ys] of layers) for (const cy of ys) if (Math.hypot(x - cx, y - cy) < 0.06) return 1;
  for (let l = 0; l + 1 < layers.length; l++) {
    const [x0, ys0] = layers[l];
    const [x1, ys1] = layers[l + 1];
    for (const y0 of ys0) for (const y1 of ys1) if (distanceToSegment(x, y, x0, y0, x1, y1) < 0.012) return 0.75;
  }
  return 0;
}

function distanceToSegment(px, py, x0, y0, x1, y1) {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const t = Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (x0 + t * dx), py - (y0 + t * dy));
}

function insideRoundedSquare(x, y) {
  const r = 0.16;
  const qx = Math.max(Math.abs(x - 0.5) - (0.5 - r), 0);
  const qy = Math.max(Math.abs(y - 0.5) - (0.5 - r), 0);
  return Math.hypot(qx, qy) <= r;
}

function draw(size) {
  const png = new PNG({ width: size, height: size });
  const samples = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let cover = 0;
      let shape = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = (px + (sx + 0.5) / samples) / size;
          const y = (py + (sy + 0.5) / samples) / size;
          if (!insideRoundedSquare(x, y)) continue;
          shape += 1;
          cover += ink(x, y);
        }
      }
      const n = samples * samples;
      const mix = shape ? cover / shape : 0;
      const i = (py * size + px) * 4;
      for (let c = 0; c < 3; c++) png.data[i + c] = Math.round(BACKGROUND[c] * (1 - mix) + INK[c] * mix);
      png.data[i + 3] = Math.round((255 * shape) / n);
    }
  }
  writeFileSync(path.join(__dirname, `logo-${size}x${size}.png`), PNG.sync.write(png));
}

draw(32);
draw(64);
