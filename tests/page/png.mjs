// PNG optimiser for the README screenshots (Node standard library only): drops an
// all-opaque alpha channel, optionally reduces to a 256-colour palette (median cut), uses a
// palette when there are at most 256 colours, picks a filter per row (minimum sum of
// absolute differences) and deflates at level 9.
// Handles what Chromium writes: 8-bit RGB/RGBA, not interlaced.

import { deflateSync, inflateSync, constants } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf) {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i += 1) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function paeth(a, b, c) {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decodes to raw 8-bit pixels: {width, height, channels, pixels}. */
export function decodePng(buf) {
  if (!buf.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  let off = 8;
  let ihdr;
  const idat = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('ascii', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') ihdr = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const depth = ihdr[8];
  const colorType = ihdr[9];
  if (depth !== 8 || (colorType !== 2 && colorType !== 6) || ihdr[12] !== 0) {
    throw new Error(`unsupported PNG (depth ${depth}, colour type ${colorType}, interlace ${ihdr[12]})`);
  }
  const channels = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y += 1) {
    const f = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = y * stride;
    for (let x = 0; x < stride; x += 1) {
      const a = x >= channels ? pixels[row + x - channels] : 0;
      const b = y > 0 ? pixels[row - stride + x] : 0;
      const c = x >= channels && y > 0 ? pixels[row - stride + x - channels] : 0;
      let v = src[x];
      if (f === 1) v += a;
      else if (f === 2) v += b;
      else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) v += paeth(a, b, c);
      pixels[row + x] = v & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** Filters rows adaptively. `bpp` = bytes per pixel (for filters' left neighbour). */
function filterRows(data, stride, height, bpp) {
  const out = Buffer.alloc((stride + 1) * height);
  const cand = Array.from({ length: 5 }, () => Buffer.alloc(stride));
  for (let y = 0; y < height; y += 1) {
    const row = y * stride;
    let best = 0;
    let bestSum = Infinity;
    for (let f = 0; f < 5; f += 1) {
      const c = cand[f];
      let sum = 0;
      for (let x = 0; x < stride; x += 1) {
        const v = data[row + x];
        const a = x >= bpp ? data[row + x - bpp] : 0;
        const b = y > 0 ? data[row - stride + x] : 0;
        const d = x >= bpp && y > 0 ? data[row - stride + x - bpp] : 0;
        let p = 0;
        if (f === 1) p = a;
        else if (f === 2) p = b;
        else if (f === 3) p = (a + b) >> 1;
        else if (f === 4) p = paeth(a, b, d);
        const r = (v - p) & 0xff;
        c[x] = r;
        sum += r < 128 ? r : 256 - r;
      }
      if (sum < bestSum) { bestSum = sum; best = f; }
    }
    out[y * (stride + 1)] = best;
    cand[best].copy(out, y * (stride + 1) + 1);
  }
  return out;
}

/**
 * Reduces an RGB image to at most `colors` colours (median cut over a 5-bit-per-channel
 * histogram, nearest-colour mapping, no dithering): flat UI screenshots stay crisp.
 * @returns {Buffer} new RGB pixels
 */
export function quantise(px, colors = 256) {
  const hist = new Uint32Array(1 << 15);
  for (let i = 0; i < px.length; i += 3) hist[((px[i] >> 3) << 10) | ((px[i + 1] >> 3) << 5) | (px[i + 2] >> 3)] += 1;
  const bins = [];
  for (let k = 0; k < hist.length; k += 1) if (hist[k]) bins.push(k);
  const comp = (k, c) => (k >> (10 - 5 * c)) & 31;
  let boxes = [bins];
  while (boxes.length < colors) {
    // Split the box with the most pixels times its widest range.
    let bi = -1;
    let score = 0;
    let axis = 0;
    for (let i = 0; i < boxes.length; i += 1) {
      const b = boxes[i];
      if (b.length < 2) continue;
      let count = 0;
      const lo = [31, 31, 31];
      const hi = [0, 0, 0];
      for (const k of b) {
        count += hist[k];
        for (let c = 0; c < 3; c += 1) { const v = comp(k, c); if (v < lo[c]) lo[c] = v; if (v > hi[c]) hi[c] = v; }
      }
      const ranges = hi.map((h, c) => h - lo[c]);
      const a = ranges.indexOf(Math.max(...ranges));
      const sc = count * (ranges[a] + 1);
      if (ranges[a] > 0 && sc > score) { score = sc; bi = i; axis = a; }
    }
    if (bi < 0) break;
    const b = boxes[bi].sort((x, y) => comp(x, axis) - comp(y, axis));
    let half = 0;
    let total = 0;
    for (const k of b) total += hist[k];
    let cut = 0;
    for (; cut < b.length - 2; cut += 1) { half += hist[b[cut]]; if (half * 2 >= total) break; }
    boxes.splice(bi, 1, b.slice(0, cut + 1), b.slice(cut + 1));
  }
  // Palette: the pixel-weighted mean of each box, in full 8-bit precision.
  const sums = new Map(); // 15-bit key -> box index
  boxes.forEach((b, i) => { for (const k of b) sums.set(k, i); });
  const acc = boxes.map(() => [0, 0, 0, 0]);
  for (let i = 0; i < px.length; i += 3) {
    const a = acc[sums.get(((px[i] >> 3) << 10) | ((px[i + 1] >> 3) << 5) | (px[i + 2] >> 3))];
    a[0] += px[i]; a[1] += px[i + 1]; a[2] += px[i + 2]; a[3] += 1;
  }
  const pal = acc.map(([r, g, b, n]) => [Math.round(r / n), Math.round(g / n), Math.round(b / n)]);
  const out = Buffer.alloc(px.length);
  const cache = new Map();
  for (let i = 0; i < px.length; i += 3) {
    const key = (px[i] << 16) | (px[i + 1] << 8) | px[i + 2];
    let c = cache.get(key);
    if (c === undefined) {
      let best = Infinity;
      for (const p of pal) {
        const d = (p[0] - px[i]) ** 2 + (p[1] - px[i + 1]) ** 2 + (p[2] - px[i + 2]) ** 2;
        if (d < best) { best = d; c = p; }
      }
      cache.set(key, c);
    }
    out[i] = c[0]; out[i + 1] = c[1]; out[i + 2] = c[2];
  }
  return out;
}

/**
 * Re-encodes a PNG as small as this simple encoder can: losslessly, or with `maxColors`
 * (e.g. 256) reduced to a palette first.
 */
export function optimisePng(buf, { maxColors } = {}) {
  const { width, height, channels, pixels } = decodePng(buf);
  let opaque = channels === 4;
  for (let i = 3; opaque && i < pixels.length; i += 4) if (pixels[i] !== 255) opaque = false;
  const ch = channels === 4 && !opaque ? 4 : 3;
  let px = ch === channels ? pixels : Buffer.alloc(width * height * 3);
  if (px !== pixels) for (let i = 0, j = 0; i < pixels.length; i += 4, j += 3) { px[j] = pixels[i]; px[j + 1] = pixels[i + 1]; px[j + 2] = pixels[i + 2]; }
  if (maxColors && ch === 3) px = quantise(px, maxColors);

  // Palette when there are at most 256 colours (opaque images only).
  let palette = null;
  if (ch === 3) {
    const index = new Map();
    for (let i = 0; i < px.length && index.size <= 256; i += 3) {
      const key = (px[i] << 16) | (px[i + 1] << 8) | px[i + 2];
      if (!index.has(key)) index.set(key, index.size);
    }
    if (index.size <= 256) palette = index;
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = palette ? 3 : ch === 4 ? 6 : 2;
  const parts = [SIGNATURE, null];
  let filtered;
  if (palette) {
    const idx = Buffer.alloc(width * height);
    for (let i = 0, j = 0; i < px.length; i += 3, j += 1) idx[j] = palette.get((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
    const plte = Buffer.alloc(palette.size * 3);
    for (const [key, i] of palette) { plte[i * 3] = key >> 16; plte[i * 3 + 1] = (key >> 8) & 0xff; plte[i * 3 + 2] = key & 0xff; }
    parts.push(chunk('PLTE', plte));
    // Palette indices compress best unfiltered.
    filtered = Buffer.alloc((width + 1) * height);
    for (let y = 0; y < height; y += 1) idx.copy(filtered, y * (width + 1) + 1, y * width, (y + 1) * width);
  } else {
    filtered = filterRows(px, width * ch, height, ch);
  }
  parts[1] = chunk('IHDR', ihdr);
  const z = [constants.Z_DEFAULT_STRATEGY, constants.Z_FILTERED]
    .map((strategy) => deflateSync(filtered, { level: 9, memLevel: 9, strategy }))
    .sort((a, b) => a.length - b.length)[0];
  parts.push(chunk('IDAT', z), chunk('IEND', Buffer.alloc(0)));
  const out = Buffer.concat(parts);
  return out.length < buf.length ? out : buf;
}
