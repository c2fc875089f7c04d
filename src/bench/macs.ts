/*
 * Multiply-accumulates of an ONNX model's Conv, Gemm and MatMul nodes, counted once from the graph, for bench:peer's
 * GMAC/s (MACs / latency). The ONNX file is read with a minimal protobuf reader (only the fields below) and the
 * shapes are propagated from the input through the ops the benchmark models use; an op whose output shape is not
 * known here stops the count with an Error naming it, rather than a count that silently leaves work out.
 * The host runtime counts the same work for its thread rule (cpp/hostnn plan.cpp, ConvAndFcMacs); that count is not
 * exposed through the API, and reading it there would need a model loaded by ours, not just the file.
 */

type Shape = number[];

/** One protobuf field: its number, and its varint value or its length-delimited / fixed bytes. */
interface Field { num: number; varint: bigint; bytes: Uint8Array }

/** Reads the varint at `at.pos` of `buf` and moves past it. */
function varint(buf: Uint8Array, at: { pos: number }): bigint {
  let v = 0n, shift = 0n;
  for (;;) {
    if (at.pos >= buf.length) throw new Error('truncated protobuf varint');
    const b = buf[at.pos++] ?? 0;
    v |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return v;
    shift += 7n;
    if (shift > 63n) throw new Error('protobuf varint longer than 10 bytes');
  }
}

function* fields(buf: Uint8Array): Generator<Field> {
  const at = { pos: 0 };
  const take = (n: number): Uint8Array => {
    if (n < 0 || at.pos + n > buf.length) throw new Error('truncated protobuf field');
    at.pos += n;
    return buf.subarray(at.pos - n, at.pos);
  };
  while (at.pos < buf.length) {
    const key = Number(varint(buf, at)), num = key >>> 3, wire = key & 7;
    if (wire === 0) yield { num, varint: varint(buf, at), bytes: new Uint8Array(0) };
    else if (wire === 1) yield { num, varint: 0n, bytes: take(8) };
    else if (wire === 2) yield { num, varint: 0n, bytes: take(Number(varint(buf, at))) };
    else if (wire === 5) yield { num, varint: 0n, bytes: take(4) };
    else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
}

const int64 = (v: bigint): number => Number(BigInt.asIntN(64, v));
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Repeated int64: packed (one length-delimited field of varints) or one varint field each. */
function pushInts(out: number[], f: Field): void {
  if (f.bytes.length === 0) { out.push(int64(f.varint)); return; }
  for (const at = { pos: 0 }; at.pos < f.bytes.length;) out.push(int64(varint(f.bytes, at)));
}

interface Node {
  op: string; name: string; inputs: string[]; outputs: string[];
  ints: Map<string, number[]>; strings: Map<string, string>;
}
interface Tensor { dims: Shape; ints: number[] | undefined }

function parseNode(buf: Uint8Array): Node {
  const node: Node = { op: '', name: '', inputs: [], outputs: [], ints: new Map(), strings: new Map() };
  for (const f of fields(buf)) {
    if (f.num === 1) node.inputs.push(text(f.bytes));
    else if (f.num === 2) node.outputs.push(text(f.bytes));
    else if (f.num === 3) node.name = text(f.bytes);
    else if (f.num === 4) node.op = text(f.bytes);
    else if (f.num === 5) {
      let name = '', str: string | undefined;
      const ints: number[] = [];
      for (const a of fields(f.bytes)) {
        if (a.num === 1) name = text(a.bytes);
        else if (a.num === 3) ints.push(int64(a.varint));
        else if (a.num === 4) str = text(a.bytes);
        else if (a.num === 8) pushInts(ints, a);
      }
      if (str === undefined) node.ints.set(name, ints);
      else node.strings.set(name, str);
    }
  }
  return node;
}

function parseTensor(buf: Uint8Array): [string, Tensor] {
  let name = '', type = 0, raw: Uint8Array | undefined;
  const dims: number[] = [], int64s: number[] = [];
  for (const f of fields(buf)) {
    if (f.num === 1) pushInts(dims, f);
    else if (f.num === 2) type = Number(f.varint);
    else if (f.num === 7) pushInts(int64s, f);
    else if (f.num === 8) name = text(f.bytes);
    else if (f.num === 9) raw = f.bytes;
  }
  let ints: number[] | undefined;
  if (type === 7) {  // INT64: shapes, axes, split sizes
    if (raw === undefined) ints = int64s;
    else {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      ints = Array.from({ length: raw.byteLength / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
    }
  }
  return [name, { dims, ints }];
}

function parseInputShape(buf: Uint8Array): [string, Shape] {
  let name = '';
  const dims: number[] = [];
  for (const f of fields(buf)) {
    if (f.num === 1) name = text(f.bytes);
    else if (f.num === 2) {
      for (const t of fields(f.bytes)) {
        if (t.num !== 1) continue;  // tensor_type
        for (const s of fields(t.bytes)) {
          if (s.num !== 2) continue;  // shape
          for (const d of fields(s.bytes)) {
            let value = -1;
            for (const v of fields(d.bytes)) if (v.num === 1) value = int64(v.varint);
            dims.push(value);
          }
        }
      }
    }
  }
  return [name, dims];
}

const UNARY = new Set(['Relu', 'Clip', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'LeakyRelu', 'Elu', 'Softmax',
  'LogSoftmax', 'QuantizeLinear', 'DequantizeLinear', 'Identity', 'BatchNormalization', 'Cast', 'Neg', 'Exp', 'Sqrt',
  'Erf', 'Abs', 'Dropout', 'LRN']);
const BROADCAST = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'PRelu', 'Where', 'Sum']);

function broadcast(shapes: Shape[]): Shape {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) => Math.max(...shapes.map((s) => s[s.length - rank + i] ?? 1)));
}

const product = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Output spatial sizes of a Conv or pooling window over `x` (NCHW), ONNX's rules for pads and auto_pad. */
function windowed(node: Node, x: Shape, kernel: number[]): number[] {
  const spatial = x.slice(2), n = spatial.length;
  const attr = (key: string, fallback: number): number[] => node.ints.get(key) ?? Array<number>(n).fill(fallback);
  const strides = attr('strides', 1), dilations = attr('dilations', 1), pads = node.ints.get('pads') ?? Array<number>(2 * n).fill(0);
  if (node.ints.get('ceil_mode')?.[0] === 1) throw new Error(`${node.op} '${node.name}': ceil_mode is not followed`);
  const autoPad = node.strings.get('auto_pad') ?? 'NOTSET';
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    return spatial.map((size, i) => Math.ceil(size / (strides[i] ?? 1)));
  }
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID') throw new Error(`${node.op} '${node.name}': auto_pad ${autoPad}`);
  if (autoPad === 'VALID') pads.fill(0);
  return spatial.map((size, i) => {
    const k = ((kernel[i] ?? 1) - 1) * (dilations[i] ?? 1) + 1;
    return Math.floor((size + (pads[i] ?? 0) + (pads[i + n] ?? 0) - k) / (strides[i] ?? 1)) + 1;
  });
}

/** A convolution's window as the graph declares it: kernel sizes, groups, input channels per group. */
export interface ConvWindow { kernel: number[]; group: number; inPerGroup: number; outChannels: number }

/**
 * Each Conv node's window by node name, the names of the Gemm / MatMul nodes (bench:ort-profile's op classes), and
 * `follows`: for each Relu / Clip / Add right after a Conv, by node name and by output name, the Conv (onnxruntime
 * names a fused node after its last op or that op's output), and for every other output its node. The weight is an
 * initializer or DequantizeLinear of one (QDQ models).
 */
export function convWindows(bytes: Uint8Array): {
  convs: Map<string, ConvWindow>; fullyConnected: Set<string>; follows: Map<string, string>;
} {
  let graph: Uint8Array | undefined;
  for (const f of fields(bytes)) if (f.num === 7) graph = f.bytes;
  if (graph === undefined) throw new Error('not an ONNX model: no graph');
  const nodes: Node[] = [], dims = new Map<string, Shape>();
  for (const f of fields(graph)) {
    if (f.num === 1) nodes.push(parseNode(f.bytes));
    else if (f.num === 5) {
      const [name, t] = parseTensor(f.bytes);
      dims.set(name, t.dims);
    }
  }
  for (const node of nodes)  // a dequantized constant has its initializer's shape
    if (node.op === 'DequantizeLinear' && node.outputs[0] !== undefined && dims.has(node.inputs[0] ?? ''))
      dims.set(node.outputs[0], dims.get(node.inputs[0] ?? '') ?? []);
  const convs = new Map<string, ConvWindow>(), fullyConnected = new Set<string>(), follows = new Map<string, string>();
  const producer = new Map<string, Node>();
  for (const node of nodes) for (const o of node.outputs) producer.set(o, node);
  const convBefore = (name: string): string | undefined => {
    const p = producer.get(name);
    return p === undefined ? undefined : p.op === 'Conv' ? p.name : follows.get(p.name);
  };
  for (const node of nodes) {
    let conv: string | undefined;
    if (node.op === 'Relu' || node.op === 'Clip') conv = convBefore(node.inputs[0] ?? '');
    else if (node.op === 'Add') conv = node.inputs.map(convBefore).filter((c) => c !== undefined).pop();  // residual's: computed last
    if (conv !== undefined) follows.set(node.name, conv);
    for (const o of node.outputs) if (!follows.has(o)) follows.set(o, conv ?? node.name);
    if (node.op === 'Gemm' || node.op === 'MatMul') fullyConnected.add(node.name);
    const w = dims.get(node.inputs[1] ?? '');
    if (node.op !== 'Conv' || w === undefined) continue;
    const [outChannels = 0, inPerGroup = 0, ...kernel] = w;
    convs.set(node.name, { kernel, group: node.ints.get('group')?.[0] ?? 1, inPerGroup, outChannels });
  }
  return { convs, fullyConnected, follows };
}

/**
 * The MACs of one inference of the ONNX model `bytes`: per Conv, output elements × input channels per group ×
 * kernel size; per Gemm / MatMul, output elements × the reduced dimension. Throws Error naming the node when a shape
 * cannot be followed (an op not listed here, ceil_mode pooling, a dynamic input dimension other than the batch, which
 * counts as 1: the MACs of one image).
 */
export function countMacs(bytes: Uint8Array): number {
  let graph: Uint8Array | undefined;
  for (const f of fields(bytes)) if (f.num === 7) graph = f.bytes;
  if (graph === undefined) throw new Error('not an ONNX model: no graph');
  const nodes: Node[] = [], consts = new Map<string, Tensor>(), shapes = new Map<string, Shape>();
  const inputs: Array<[string, Shape]> = [];
  for (const f of fields(graph)) {
    if (f.num === 1) nodes.push(parseNode(f.bytes));
    else if (f.num === 5) {
      const [name, t] = parseTensor(f.bytes);
      consts.set(name, t);
      shapes.set(name, t.dims);
    } else if (f.num === 11) inputs.push(parseInputShape(f.bytes));
  }
  for (const [name, dims] of inputs) {
    if (consts.has(name)) continue;
    // A dynamic batch (a model with batch gears) counts one image; any other dynamic dim cannot be followed.
    const [batch = 1, ...rest] = dims;
    if (rest.some((d) => d <= 0)) throw new Error(`input '${name}' has a dynamic shape [${dims.join(',')}]`);
    shapes.set(name, [batch <= 0 ? 1 : batch, ...rest]);
  }

  let macs = 0;
  for (const node of nodes) {
    const where = `${node.op} '${node.name || node.outputs[0] || '?'}'`;
    const ins = node.inputs.map((name) => (name === '' ? undefined : shapes.get(name)));
    const x = ins[0];
    if (x === undefined) throw new Error(`${where}: the shape of its input '${node.inputs[0] ?? ''}' is not known`);
    const constInts = (i: number): number[] | undefined => consts.get(node.inputs[i] ?? '')?.ints;
    const axisOf = (a: number, rank: number): number => (a < 0 ? a + rank : a);
    let outs: Shape[];
    if (UNARY.has(node.op)) outs = [x];
    else if (BROADCAST.has(node.op)) {
      if (ins.some((s) => s === undefined)) throw new Error(`${where}: an input shape is not known`);
      outs = [broadcast(ins as Shape[])];
    } else if (node.op === 'Conv') {
      const w = ins[1];
      if (w === undefined || w.length !== x.length) throw new Error(`${where}: the weight shape is not known`);
      const [m = 0, cinPerGroup = 0, ...kernel] = w;
      const out = [x[0] ?? 1, m, ...windowed(node, x, node.ints.get('kernel_shape') ?? kernel)];
      macs += product(out) * cinPerGroup * product(kernel);
      outs = [out];
    } else if (node.op === 'MaxPool' || node.op === 'AveragePool') {
      outs = [[...x.slice(0, 2), ...windowed(node, x, node.ints.get('kernel_shape') ?? [])]];
    } else if (node.op === 'GlobalAveragePool' || node.op === 'GlobalMaxPool') {
      outs = [[...x.slice(0, 2), ...x.slice(2).map(() => 1)]];
    } else if (node.op === 'Flatten') {
      const axis = axisOf(node.ints.get('axis')?.[0] ?? 1, x.length);
      outs = [[product(x.slice(0, axis)), product(x.slice(axis))]];
    } else if (node.op === 'Gemm') {
      const b = ins[1];
      if (b === undefined) throw new Error(`${where}: the shape of B is not known`);
      const [m = 0, k = 0] = node.ints.get('transA')?.[0] === 1 ? [x[1], x[0]] : x;
      const n = node.ints.get('transB')?.[0] === 1 ? b[0] ?? 0 : b[1] ?? 0;
      macs += m * n * k;
      outs = [[m, n]];
    } else if (node.op === 'MatMul') {
      const b = ins[1];
      if (b === undefined || x.length < 2 || b.length < 2) throw new Error(`${where}: operand shapes not counted`);
      const k = x[x.length - 1] ?? 0;
      const out = [...broadcast([x.slice(0, -2), b.slice(0, -2)]), x[x.length - 2] ?? 0, b[b.length - 1] ?? 0];
      macs += product(out) * k;
      outs = [out];
    } else if (node.op === 'Reshape') {
      const target = constInts(1);
      if (target === undefined) throw new Error(`${where}: the target shape is not a constant`);
      const dims = target.map((d, i) => (d === 0 ? x[i] ?? 0 : d));
      const known = product(dims.filter((d) => d !== -1));
      outs = [dims.map((d) => (d === -1 ? product(x) / known : d))];
    } else if (node.op === 'Transpose') {
      const perm = node.ints.get('perm') ?? x.map((_, i) => x.length - 1 - i);
      outs = [perm.map((p) => x[p] ?? 0)];
    } else if (node.op === 'Concat') {
      if (ins.some((s) => s === undefined)) throw new Error(`${where}: an input shape is not known`);
      const axis = axisOf(node.ints.get('axis')?.[0] ?? 0, x.length);
      outs = [x.map((d, i) => (i === axis ? (ins as Shape[]).reduce((sum, s) => sum + (s[i] ?? 0), 0) : d))];
    } else if (node.op === 'Split') {
      const axis = axisOf(node.ints.get('axis')?.[0] ?? 0, x.length);
      const sizes = constInts(1) ?? node.ints.get('split')
        ?? node.outputs.map(() => (x[axis] ?? 0) / node.outputs.length);
      outs = sizes.map((size) => x.map((d, i) => (i === axis ? size : d)));
    } else {
      throw new Error(`${where}: its output shape is not followed here, so its MACs cannot be counted`);
    }
    node.outputs.forEach((name, i) => {
      const s = outs[i];
      if (s !== undefined) shapes.set(name, s);
    });
  }
  return macs;
}
