#!/usr/bin/env node
// Draws the extension's icons (called by build.sh): a rounded square in the page's accent
// colour with a white arrow leaving a tray ("export"), as PNGs of 16, 32, 48 and 128 px.
//   node icons.mjs OUT_DIR
// Node standard library only; shapes are sampled 4x4 per pixel for smooth edges.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';

const ACCENT = [0x4b, 0x3f, 0xd1];
const SIZES = [16, 32, 48, 128];

const CRC = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; t[n] = c >>> 0; }
  return t;
})();
const crc32 = (b) => { let c = ~0; for (const x of b) c = CRC[(c ^ x) & 0xff] ^ (c >>> 8); return ~c >>> 0; };
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0); ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; // 8-bit RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** Shapes in a unit square: 1 = background tile, 2 = white mark. */
function shapeAt(x, y) {
  const r = 0.22; // corner radius
  const cx = Math.min(Math.max(x, r), 1 - r);
  const cy = Math.min(Math.max(y, r), 1 - r);
  if ((x - cx) ** 2 + (y - cy) ** 2 > r * r) return 0;
  // Arrow: shaft and head pointing up; tray: a U under it.
  const shaft = Math.abs(x - 0.5) < 0.07 && y > 0.3 && y < 0.62;
  const head = y > 0.16 && y < 0.38 && Math.abs(x - 0.5) < (y - 0.16) * 0.95;
  const tray = (y > 0.68 && y < 0.8 && x > 0.22 && x < 0.78) || (x > 0.22 && x < 0.34 && y > 0.52 && y < 0.8) || (x > 0.66 && x < 0.78 && y > 0.52 && y < 0.8);
  return shaft || head || tray ? 2 : 1;
}

function draw(size) {
  const out = Buffer.alloc(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let tile = 0; let mark = 0;
      for (let sy = 0; sy < n; sy++) for (let sx = 0; sx < n; sx++) {
        const s = shapeAt((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size);
        if (s) tile++;
        if (s === 2) mark++;
      }
      const a = tile / (n * n);
      const w = tile ? mark / tile : 0;
      const i = (py * size + px) * 4;
      for (let c = 0; c < 3; c++) out[i + c] = Math.round(ACCENT[c] * (1 - w) + 255 * w);
      out[i + 3] = Math.round(a * 255);
    }
  }
  return out;
}

const dir = process.argv[2];
if (!dir) { console.error('usage: node icons.mjs OUT_DIR'); process.exit(2); }
mkdirSync(dir, { recursive: true });
for (const size of SIZES) writeFileSync(path.join(dir, `icon${size}.png`), png(size, draw(size)));
