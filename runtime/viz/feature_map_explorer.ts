/**
 * `viz.featureMapExplorer(model, images)`: pick an image, a conv or pooling layer and one of its channels;
 * the channel's feature map is shown enlarged beside the image, with the layer's filter for that channel
 * (conv layers; pooling has none), and a strip of the given images that activate the channel most (mean
 * activation over the map). Activations of every image at every listed layer are computed once, when the
 * explorer is made, so moving a control only redraws.
 */
import { JUPYTER_DISPLAY, getDisplaySink, type MimeBundle } from "../display";
import { Dropdown, HBox, HTML, Image, IntSlider, VBox } from "../widgets/controls";
import { widgetBundle } from "../widgets/model";
import { extent, toDenseOfRank, type Dense } from "./data";
import { drawText, lineHeight, textWidth } from "./font";
import { escapeHtml, formatNumber } from "./format";
import { pictureRaster, pixelRange } from "./picture";
import { encodePng } from "./png";
import { BLACK, Raster, valuesRaster } from "./raster";
import type { ActivationModel, TensorLike, VizLayer } from "./types";

const OP = "viz.featureMapExplorer";
const MARGIN = 8;
const TEXT = 2;

/** A layer as the explorer reads it: conv layers give their kernel `[kh, kw, in, out]` as `getWeights()[0]`. */
export interface ExplorerLayer extends VizLayer {
  getWeights?(): readonly TensorLike[];
}

export interface FeatureMapModel extends ActivationModel {
  readonly layers: readonly ExplorerLayer[];
}

export interface FeatureMapExplorerOptions {
  /** How many top-activating images the strip shows (default 5). */
  top?: number;
  /** The layer shown first, by name (default the first conv or pooling layer). */
  layer?: string;
}

/** What the explorer shows for its current controls. */
export interface FeatureMapState {
  image: number;
  layer: string;
  className: string;
  channel: number;
  /** The channel's feature map for the chosen image, [H][W]. */
  map: number[][];
  /** The filter producing the channel, [kh][kw][inChannels]; null for a layer without a kernel (pooling). */
  filter: number[][][] | null;
  /** The images that activate the channel most, by mean activation over the map, highest first. */
  top: { image: number; mean: number }[];
}

const EXPLORABLE = /Conv|Pool/;

export class FeatureMapExplorer {
  readonly image: IntSlider;
  readonly layer: Dropdown<string>;
  readonly channel: IntSlider;
  readonly view: Image;
  readonly caption: HTML;
  readonly widget: VBox;
  private readonly images: Dense;
  private readonly activations = new Map<string, Dense>();
  private readonly layers: ExplorerLayer[];

  constructor(
    model: FeatureMapModel,
    images: TensorLike,
    private readonly options: FeatureMapExplorerOptions = {},
  ) {
    const dense = toDenseOfRank(images, [3, 4], OP, "images");
    this.images = dense.shape.length === 3 ? { shape: [1, ...dense.shape], data: dense.data } : dense;
    const candidates = model.layers.filter((l) => EXPLORABLE.test(l.className));
    if (candidates.length === 0) {
      const listed = model.layers.map((l) => `${l.name} (${l.className})`).join(", ");
      throw new RangeError(`${OP}: the model has no convolution or pooling layer; layers are ${listed}`);
    }
    const outputs = model.activations(
      images,
      candidates.map((l) => l.name),
    );
    const count = this.images.shape[0];
    this.layers = candidates.filter((l, k) => {
      const out = outputs[k];
      if (out.shape.length !== 4 || out.shape[0] !== count) return false;
      this.activations.set(l.name, { shape: [...out.shape], data: out.dataSync() });
      return true;
    });
    if (this.layers.length === 0) {
      throw new RangeError(`${OP}: no convolution or pooling layer outputs feature maps [batch, H, W, C]`);
    }
    const first = options.layer ?? this.layers[0].name;
    if (!this.activations.has(first)) {
      throw new RangeError(
        `${OP}: no conv or pooling layer "${first}"; choose one of ${this.layers.map((l) => l.name).join(", ")}`,
      );
    }
    this.image = new IntSlider({
      value: 0,
      min: 0,
      max: Math.max(count - 1, 1),
      description: "image",
      disabled: count === 1,
    });
    this.layer = new Dropdown({
      options: this.layers.map((l) => [`${l.name} (${l.className})`, l.name] as const),
      value: first,
      description: "layer",
    });
    this.channel = new IntSlider({ value: 0, min: 0, max: Math.max(this.channels() - 1, 1), description: "channel" });
    // At the PNG's own size: a VBox would stretch it to the cell's width.
    this.view = new Image({ value: this.picture(), layout: { alignSelf: "flex-start" } });
    this.caption = new HTML({ value: this.text() });
    this.widget = new VBox([new HBox([this.image, this.layer, this.channel]), this.caption, this.view]);
    this.layer.observe(() => {
      this.channel.set({
        max: Math.max(this.channels() - 1, 1),
        value: Math.min(this.channel.value, this.channels() - 1),
      });
      this.refresh();
    });
    this.image.observe(() => this.refresh());
    this.channel.observe(() => this.refresh());
  }

  /** The state the controls select now. */
  state(): FeatureMapState {
    const name = this.layer.value;
    const layer = this.layers.find((l) => l.name === name)!;
    const act = this.activations.get(name)!;
    const [count, h, w, c] = act.shape;
    const channel = this.channel.value;
    const image = Math.min(this.image.value, count - 1);
    const at = (n: number, y: number, x: number) => Number(act.data[((n * h + y) * w + x) * c + channel]);
    const map = Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => at(image, y, x)));
    const means = Array.from({ length: count }, (_, n) => {
      let s = 0;
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) s += at(n, y, x);
      return { image: n, mean: s / (h * w) };
    });
    const top = means.sort((a, b) => b.mean - a.mean || a.image - b.image).slice(0, this.options.top ?? 5);
    return { image, layer: name, className: layer.className, channel, map, filter: filterOf(layer, channel, c), top };
  }

  /** The current state as a PNG: the image, the enlarged channel, its filter, and the top-activating images. */
  picture(): Uint8Array {
    const s = this.state();
    const [, ih, iw, ic] = this.images.shape;
    const imageSize = iw * ih;
    const range = pixelRange(this.images.data);
    const picture = (n: number) => pictureRaster(this.images.data, n * imageSize * ic, [ih, iw, ic], range);
    const big = 168;
    const imageScale = Math.max(1, Math.floor(big / Math.max(ih, iw)));
    const mapH = s.map.length;
    const mapW = s.map[0].length;
    const mapScale = Math.max(1, Math.floor(big / Math.max(mapH, mapW)));
    const mapRange = extent(s.map.flat());
    const mapRaster = valuesRaster(s.map.flat(), mapH, mapW, "viridis", mapRange);
    const text = lineHeight(TEXT);
    const top = MARGIN + text + MARGIN;
    const tiles: { raster: Raster; scale: number; title: string }[] = [
      { raster: picture(s.image), scale: imageScale, title: `image ${s.image}` },
      {
        raster: mapRaster,
        scale: mapScale,
        title: `channel ${s.channel}: ${formatNumber(mapRange[0])} to ${formatNumber(mapRange[1])}`,
      },
    ];
    if (s.filter) {
      const [kh, kw, inC] = [s.filter.length, s.filter[0].length, s.filter[0][0].length];
      const values = s.filter.flat(2);
      const m = Math.max(...values.map(Math.abs)) || 1;
      const shown = Math.min(inC, 4);
      const scale = Math.max(1, Math.floor(72 / Math.max(kh, kw)));
      for (let i = 0; i < shown; i++) {
        const slice = s.filter.flat().map((pixel) => pixel[i]);
        tiles.push({
          raster: valuesRaster(slice, kh, kw, "diverging", [-m, m]),
          scale,
          title:
            inC === 1
              ? `filter ${kh}x${kw}`
              : `filter, input ${i}${i === shown - 1 && shown < inC ? ` (of ${inC})` : ""}`,
        });
      }
    }
    const strip = s.top.map(({ image }) => picture(image));
    const stripScale = Math.max(1, Math.floor(56 / Math.max(ih, iw)));
    const rowW = tiles.reduce(
      (x, t) => x + Math.max(t.raster.width * t.scale, textWidth(t.title, TEXT)) + MARGIN * 2,
      MARGIN,
    );
    const rowH = Math.max(...tiles.map((t) => t.raster.height * t.scale)) + text + MARGIN;
    const stripTitle = `images that activate channel ${s.channel} most (mean activation)`;
    const stripW = MARGIN + strip.length * (iw * stripScale + MARGIN * 3);
    const title = `${s.layer} (${s.className}), channel ${s.channel}${s.filter ? "" : ": pooling has no filter"}`;
    const width = Math.max(rowW, stripW, textWidth(stripTitle, TEXT), textWidth(title, TEXT)) + 2 * MARGIN;
    const stripTop = top + rowH + MARGIN * 2;
    const height = stripTop + text + MARGIN + ih * stripScale + text + MARGIN * 2;
    const out = new Raster(width, height);
    drawText(out, title, MARGIN, MARGIN, BLACK, TEXT);
    let x = MARGIN;
    for (const t of tiles) {
      drawText(out, t.title, x, top, BLACK, TEXT);
      out.blit(t.raster, x, top + text + 4, t.scale);
      x += Math.max(t.raster.width * t.scale, textWidth(t.title, TEXT)) + MARGIN * 2;
    }
    drawText(out, stripTitle, MARGIN, stripTop, BLACK, TEXT);
    strip.forEach((raster, k) => {
      const sx = MARGIN + k * (iw * stripScale + MARGIN * 3);
      out.blit(raster, sx, stripTop + text + 4, stripScale);
      const label = `#${s.top[k].image}: ${formatNumber(s.top[k].mean)}`;
      drawText(out, label, sx, stripTop + text + 8 + ih * stripScale, BLACK, 1.6);
    });
    return encodePng(out);
  }

  [JUPYTER_DISPLAY](): MimeBundle {
    return {
      ...widgetBundle(this.widget, { "image/png": Buffer.from(this.picture()).toString("base64") }),
      "text/plain": `FeatureMapExplorer: ${this.summary()}`,
    };
  }

  private channels(): number {
    return this.activations.get(this.layer.value)!.shape[3];
  }

  private summary(): string {
    const s = this.state();
    const filter = s.filter
      ? `filter ${s.filter.length}x${s.filter[0].length}x${s.filter[0][0].length}`
      : "no filter (pooling)";
    const top = s.top.map((t) => `#${t.image} (${formatNumber(t.mean)})`).join(", ");
    return `${s.layer} (${s.className}) channel ${s.channel}, image ${s.image}; ${filter}; most active: ${top}`;
  }

  private text(): string {
    return `<span class="nnlab-feature-map" style="font-family:monospace">${escapeHtml(this.summary())}</span>`;
  }

  private refresh(): void {
    this.caption.value = this.text();
    this.view.value = this.picture();
  }
}

/**
 * Shows a feature-map explorer for `model` over `images` (`[N, H, W, C]`, or one image `[H, W, C]`) and
 * returns it: an image slider, a layer dropdown of the conv and pooling layers, a channel slider.
 */
export function featureMapExplorer(
  model: FeatureMapModel,
  images: TensorLike,
  options: FeatureMapExplorerOptions = {},
): FeatureMapExplorer {
  const explorer = new FeatureMapExplorer(model, images, options);
  getDisplaySink().display(explorer[JUPYTER_DISPLAY]());
  return explorer;
}

/** Channel `channel`'s filter [kh][kw][in] from a conv layer's kernel [kh, kw, in, out]; null without one. */
function filterOf(layer: ExplorerLayer, channel: number, channels: number): number[][][] | null {
  const kernel = layer.getWeights?.()[0];
  if (!kernel || kernel.shape.length !== 4 || kernel.shape[3] !== channels) return null;
  const [kh, kw, inC, outC] = kernel.shape;
  const data = kernel.dataSync();
  return Array.from({ length: kh }, (_, y) =>
    Array.from({ length: kw }, (_, x) =>
      Array.from({ length: inC }, (_, i) => Number(data[((y * kw + x) * inC + i) * outC + channel])),
    ),
  );
}
