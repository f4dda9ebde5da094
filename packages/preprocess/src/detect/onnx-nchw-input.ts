// BlazeFace's ONNX models take NHWC input behind a leading Transpose(perm 0,3,1,2). OpenCV's Node
// binding cannot fill a 4-d NHWC Mat from a buffer, but blobFromImage makes NCHW blobs directly. So
// we rewrite the model in memory: the Transpose becomes the identity and the declared input shape
// becomes NCHW. Both edits keep every protobuf length unchanged (the perm values are one-byte
// varints; the dims are whole sub-messages swapped in place), so no re-encoding is needed.

interface Field {
  field: number;
  wire: number;
  /** start of the payload (after tag and, for length-delimited fields, the length) */
  start: number;
  end: number;
  value?: number;
}

function readVarint(buf: Uint8Array, p: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (;;) {
    const byte = buf[p++];
    if (byte === undefined) throw new Error('truncated varint');
    value += (byte & 0x7f) * scale;
    if (!(byte & 0x80)) return [value, p];
    scale *= 128;
  }
}

function fields(buf: Uint8Array, start: number, end: number): Field[] {
  const out: Field[] = [];
  let p = start;
  while (p < end) {
    const [key, afterKey] = readVarint(buf, p);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    p = afterKey;
    if (wire === 0) {
      const [value, next] = readVarint(buf, p);
      out.push({ field, wire, start: p, end: next, value });
      p = next;
    } else if (wire === 2) {
      const [length, next] = readVarint(buf, p);
      out.push({ field, wire, start: next, end: next + length });
      p = next + length;
    } else if (wire === 5 || wire === 1) {
      const size = wire === 5 ? 4 : 8;
      out.push({ field, wire, start: p, end: p + size });
      p += size;
    } else {
      throw new Error(`unsupported protobuf wire type ${wire}`);
    }
  }
  if (p !== end) throw new Error('protobuf message overruns its length');
  return out;
}

const text = (buf: Uint8Array, f: Field): string => Buffer.from(buf.subarray(f.start, f.end)).toString('utf8');
const only = (list: Field[], field: number, what: string): Field => {
  const found = list.find((f) => f.field === field);
  if (!found) throw new Error(`ONNX model: no ${what}`);
  return found;
};

// ONNX field numbers (onnx.proto)
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INPUT = 11;
const NODE_INPUT = 1;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const ATTRIBUTE_NAME = 1;
const ATTRIBUTE_INTS = 8;
const VALUE_INFO_NAME = 1;
const VALUE_INFO_TYPE = 2;
const TYPE_TENSOR = 1;
const TENSOR_SHAPE = 2;
const SHAPE_DIM = 1;

/** A copy of an NHWC-input ONNX model (first node Transpose 0,3,1,2) that takes NCHW input. */
export function nhwcToNchwInput(model: Uint8Array): Uint8Array {
  const buf = Uint8Array.from(model);
  const graphField = only(fields(buf, 0, buf.length), MODEL_GRAPH, 'graph');
  const graph = fields(buf, graphField.start, graphField.end);

  const inputField = only(graph, GRAPH_INPUT, 'graph input');
  const input = fields(buf, inputField.start, inputField.end);
  const inputName = text(buf, only(input, VALUE_INFO_NAME, 'input name'));

  const transpose = graph
    .filter((f) => f.field === GRAPH_NODE)
    .map((f) => fields(buf, f.start, f.end))
    .find((node) => text(buf, only(node, NODE_OP_TYPE, 'op type')) === 'Transpose' && node.some((f) => f.field === NODE_INPUT && text(buf, f) === inputName));
  if (!transpose) throw new Error(`ONNX model: no Transpose reads the input '${inputName}'`);
  const perm = transpose
    .filter((f) => f.field === NODE_ATTRIBUTE)
    .map((f) => fields(buf, f.start, f.end))
    .find((attr) => text(buf, only(attr, ATTRIBUTE_NAME, 'attribute name')) === 'perm');
  const ints = perm?.filter((f) => f.field === ATTRIBUTE_INTS && f.wire === 0) ?? [];
  if (ints.map((f) => f.value).join() !== '0,3,1,2' || ints.some((f) => f.end - f.start !== 1)) {
    throw new Error('ONNX model: the input Transpose is not perm [0, 3, 1, 2]');
  }
  ints.forEach((f, i) => (buf[f.start] = i)); // identity perm

  const type = fields(buf, ...span(only(input, VALUE_INFO_TYPE, 'input type')));
  const tensor = fields(buf, ...span(only(type, TYPE_TENSOR, 'tensor type')));
  const shape = only(tensor, TENSOR_SHAPE, 'input shape');
  const dims = fields(buf, shape.start, shape.end).filter((f) => f.field === SHAPE_DIM);
  if (dims.length !== 4) throw new Error('ONNX model: the input is not 4-d');
  // Rewrite the dim records (tag, length, payload) of the shape in the order N, C, H, W.
  const records = dims.map((d) => model.subarray(recordStart(model, d), d.end));
  const [n, h, w, c] = records as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  buf.set(Buffer.concat([n, c, h, w]), recordStart(model, dims[0] as Field));
  return buf;
}

function span(f: Field): [number, number] {
  return [f.start, f.end];
}

/** Where a length-delimited field's record (tag + length + payload) starts; its tag and length are 1 byte each here. */
function recordStart(buf: Uint8Array, f: Field): number {
  const length = f.end - f.start;
  const lengthBytes = length < 128 ? 1 : 2;
  const start = f.start - lengthBytes - 1;
  if (buf[start] !== ((SHAPE_DIM << 3) | 2)) throw new Error('ONNX model: unexpected shape encoding');
  return start;
}
