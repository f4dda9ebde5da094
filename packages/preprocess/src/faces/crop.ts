// A face crop as the packed dataset stores it: the box cut from the frame at native resolution,
// converted BGR → RGB, then resized to S×S like PIL (no aspect ratio kept, as iCatcher+).
import type { FaceBox } from '../detect/face-box';
import { resizeLikePil } from './pil-resize';

/** A BGR frame as OpenCV decodes it: H×W×3 bytes, rows contiguous. */
export interface BgrFrame {
  data: Uint8Array;
  width: number;
  height: number;
}

/** The RGB S×S crop (S·S·3 bytes) of `box` in `frame`. */
export function cropFace(frame: BgrFrame, box: Pick<FaceBox, 'x' | 'y' | 'width' | 'height'>, size: number): Uint8Array {
  const { x, y, width, height } = box;
  if (x < 0 || y < 0 || width <= 0 || height <= 0 || x + width > frame.width || y + height > frame.height) {
    throw new RangeError(`box [${x}, ${y}, ${width}, ${height}] is not inside the ${frame.width}×${frame.height} frame`);
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let row = 0; row < height; row += 1) {
    let src = ((y + row) * frame.width + x) * 3;
    let dst = row * width * 3;
    for (let col = 0; col < width; col += 1, src += 3, dst += 3) {
      rgb[dst] = frame.data[src + 2] as number;
      rgb[dst + 1] = frame.data[src + 1] as number;
      rgb[dst + 2] = frame.data[src] as number;
    }
  }
  return resizeLikePil({ data: rgb, width, height, channels: 3 }, size, size).data;
}
