import type { RGB } from "./colormap";
import type { Raster } from "./raster";

/**
 * A 5x7 pixel font drawn straight into PNGs, so tile titles travel inside the
 * picture and render wherever a PNG does (nbconvert HTML, GitHub, VS Code,
 * untrusted notebooks) with no HTML or fonts involved.
 */

const GLYPH_WIDTH = 5;
const GLYPH_HEIGHT = 7;
/** Horizontal advance per character: the glyph plus one column of spacing. */
const ADVANCE = GLYPH_WIDTH + 1;

/** Width in pixels of `text` drawn at `scale`. */
export function textWidth(text: string, scale = 1): number {
  const n = [...text].length;
  return n === 0 ? 0 : (n * ADVANCE - 1) * scale;
}

/** Height in pixels of one line at `scale`. */
export function lineHeight(scale = 1): number {
  return GLYPH_HEIGHT * scale;
}

/** Draws `text` with its top-left corner at (x, y); characters without a glyph are drawn as a box. */
export function drawText(target: Raster, text: string, x: number, y: number, color: RGB, scale = 1): void {
  let cx = x;
  for (const ch of text) {
    const rows = glyph(ch);
    for (let r = 0; r < GLYPH_HEIGHT; r++) {
      for (let c = 0; c < GLYPH_WIDTH; c++) {
        if (rows[r] & (1 << (GLYPH_WIDTH - 1 - c))) target.fill(cx + c * scale, y + r * scale, scale, scale, color);
      }
    }
    cx += ADVANCE * scale;
  }
}

/** Shortens `text` with a trailing "." so it fits in `width` pixels at `scale`. */
export function fitText(text: string, width: number, scale = 1): string {
  const chars = [...text];
  const max = Math.max(1, Math.floor((width / scale + 1) / ADVANCE));
  return chars.length <= max ? text : chars.slice(0, max - 1).join("") + ".";
}

function glyph(ch: string): readonly number[] {
  const cached = decoded.get(ch);
  if (cached) return cached;
  const hex = GLYPHS[ch] ?? BOX;
  const rows = Array.from({ length: GLYPH_HEIGHT }, (_, r) => parseInt(hex.slice(r * 2, r * 2 + 2), 16));
  decoded.set(ch, rows);
  return rows;
}

const decoded = new Map<string, readonly number[]>();

const BOX = "1F11111111111F";

// Seven rows per glyph, two hex digits a row, the high bit of five is the leftmost pixel.
const GLYPHS: Record<string, string> = {
  " ": "00000000000000",
  "0": "0E11131519110E",
  "1": "040C040404040E",
  "2": "0E11010204081F",
  "3": "1F02040201110E",
  "4": "02060A121F0202",
  "5": "1F101E0101110E",
  "6": "0608101E11110E",
  "7": "1F010204080808",
  "8": "0E11110E11110E",
  "9": "0E11110F01020C",
  A: "0E1111111F1111",
  B: "1E11111E11111E",
  C: "0E11101010110E",
  D: "1C12111111121C",
  E: "1F10101E10101F",
  F: "1F10101E101010",
  G: "0E11101711110F",
  H: "1111111F111111",
  I: "0E04040404040E",
  J: "0702020202120C",
  K: "11121418141211",
  L: "1010101010101F",
  M: "111B1515111111",
  N: "11111915131111",
  O: "0E11111111110E",
  P: "1E11111E101010",
  Q: "0E11111115120D",
  R: "1E11111E141211",
  S: "0F10100E01011E",
  T: "1F040404040404",
  U: "1111111111110E",
  V: "11111111110A04",
  W: "1111111515150A",
  X: "11110A040A1111",
  Y: "1111110A040404",
  Z: "1F01020408101F",
  a: "00000E010F110F",
  b: "1010161911111E",
  c: "00000E1010110E",
  d: "01010D1311110F",
  e: "00000E111F100E",
  f: "0609081C080808",
  g: "000F11110F010E",
  h: "10101619111111",
  i: "04000C0404040E",
  j: "0200060202120C",
  k: "10101214181412",
  l: "0C04040404040E",
  m: "00001A15151111",
  n: "00001619111111",
  o: "00000E1111110E",
  p: "00001E111E1010",
  q: "00000D130F0101",
  r: "00001619101010",
  s: "00000E100E011E",
  t: "08081C08080906",
  u: "0000111111130D",
  v: "00001111110A04",
  w: "0000111115150A",
  x: "0000110A040A11",
  y: "000011110F010E",
  z: "00001F0204081F",
  ".": "00000000000C0C",
  ",": "000000000C0408",
  ":": "000C0C000C0C00",
  ";": "000C0C000C0408",
  "-": "0000001F000000",
  _: "0000000000001F",
  "=": "00001F001F0000",
  "+": "0004041F040400",
  "(": "02040808080402",
  ")": "08040202020408",
  "[": "0E08080808080E",
  "]": "0E02020202020E",
  "/": "00010204081000",
  "\\": "00100804020100",
  "!": "04040404000004",
  "?": "0E110102040004",
  "#": "0A0A1F0A1F0A0A",
  "%": "18190204081303",
  "<": "02040810080402",
  ">": "08040201020408",
  "'": "0C040800000000",
  '"': "0A0A0A00000000",
  "*": "0004150E150400",
  "|": "04040404040404",
  "^": "040A1100000000",
  "~": "00000815020000",
  "\u2192": "0004021F020400",
};
