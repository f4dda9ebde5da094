// Pillow's antialiased bilinear resize (Resample.c: ImagingResample with the BILINEAR filter, 8-bit
// fixed-point coefficients, horizontal pass then vertical, each rounded to uint8), so that our
// crops equal those of PIL's Image.resize((S, S), BILINEAR), which iCatcher+'s loader applies.

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 1 << PRECISION_BITS;

interface Coefficients {
  size: number;
  /** per output pixel: first input index and count */
  bounds: Int32Array;
  /** per output pixel: `size` fixed-point weights */
  weights: Int32Array;
}

function bilinear(x: number): number {
  const a = Math.abs(x);
  return a < 1 ? 1 - a : 0;
}

function precompute(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 1 * filterScale;
  const size = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * size);
  const k = new Float64Array(size);
  for (let xx = 0; xx < outSize; xx += 1) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterScale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let total = 0;
    for (let x = 0; x < xmax; x += 1) {
      const w = bilinear((x + xmin - center + 0.5) * ss);
      k[x] = w;
      total += w;
    }
    for (let x = 0; x < size; x += 1) {
      const w = x < xmax && total !== 0 ? (k[x] as number) / total : x < xmax ? (k[x] as number) : 0;
      weights[xx * size + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { size, bounds, weights };
}

function clip8(v: number): number {
  if (v >= ONE << 8) return 255;
  if (v <= 0) return 0;
  return v >> PRECISION_BITS;
}

/** An interleaved 8-bit image. */
export interface Image8 {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

function horizontal(src: Image8, outWidth: number): Image8 {
  const { size, bounds, weights } = precompute(src.width, outWidth);
  const c = src.channels;
  const out = new Uint8Array(outWidth * src.height * c);
  for (let y = 0; y < src.height; y += 1) {
    const row = y * src.width * c;
    for (let xx = 0; xx < outWidth; xx += 1) {
      const xmin = bounds[xx * 2] as number;
      const xmax = bounds[xx * 2 + 1] as number;
      for (let ch = 0; ch < c; ch += 1) {
        let ss = 1 << (PRECISION_BITS - 1);
        for (let x = 0; x < xmax; x += 1) ss += (src.data[row + (x + xmin) * c + ch] as number) * (weights[xx * size + x] as number);
        out[(y * outWidth + xx) * c + ch] = clip8(ss);
      }
    }
  }
  return { data: out, width: outWidth, height: src.height, channels: c };
}

function vertical(src: Image8, outHeight: number): Image8 {
  const { size, bounds, weights } = precompute(src.height, outHeight);
  const c = src.channels;
  const stride = src.width * c;
  const out = new Uint8Array(outHeight * stride);
  for (let yy = 0; yy < outHeight; yy += 1) {
    const ymin = bounds[yy * 2] as number;
    const ymax = bounds[yy * 2 + 1] as number;
    for (let i = 0; i < stride; i += 1) {
      let ss = 1 << (PRECISION_BITS - 1);
      for (let y = 0; y < ymax; y += 1) ss += (src.data[(y + ymin) * stride + i] as number) * (weights[yy * size + y] as number);
      out[yy * stride + i] = clip8(ss);
    }
  }
  return { data: out, width: src.width, height: outHeight, channels: c };
}

/** Resizes like PIL's `Image.resize((width, height), Image.BILINEAR)`; a pass whose size is unchanged is skipped, as in PIL. */
export function resizeLikePil(src: Image8, width: number, height: number): Image8 {
  let image = src;
  if (width !== image.width) image = horizontal(image, width);
  if (height !== image.height) image = vertical(image, height);
  return image === src ? { ...src, data: Uint8Array.from(src.data) } : image;
}
