/**
 * Builds tiny ONNX text classifiers byte by byte (a hand-written protobuf encoder, no download, no ONNX
 * package): input_ids [batch, seq] → Gather from an embedding table → mean over the unmasked tokens →
 * MatMul to one logit per label. The embeddings and the output matrix are chosen by the test, so the
 * prediction for a given text is known in advance.
 */

// ---- protobuf wire format ----------------------------------------------------------------------------

function varint(value: number | bigint): number[] {
  let v = BigInt(value);
  if (v < 0n) v += 1n << 64n;
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

type Field = number[];

function key(field: number, wire: number): number[] {
  return varint((field << 3) | wire);
}

function int(field: number, value: number | bigint): Field {
  return [...key(field, 0), ...varint(value)];
}

function bytes(field: number, payload: Uint8Array | number[]): Field {
  const data = Array.from(payload);
  return [...key(field, 2), ...varint(data.length), ...data];
}

function str(field: number, value: string): Field {
  return bytes(field, new TextEncoder().encode(value));
}

function msg(field: number, ...fields: Field[]): Field {
  return bytes(field, fields.flat());
}

// ---- ONNX messages (onnx.proto field numbers) ---------------------------------------------------------

const FLOAT = 1;
const INT64 = 7;

function floatTensor(name: string, dims: number[], values: number[]): Field[] {
  const raw = new Uint8Array(new Float32Array(values).buffer);
  return [...dims.map((d) => int(1, d)), int(2, FLOAT), str(8, name), bytes(9, raw)];
}

function int64Tensor(name: string, dims: number[], values: number[]): Field[] {
  const raw = new Uint8Array(new BigInt64Array(values.map((v) => BigInt(v))).buffer);
  return [...dims.map((d) => int(1, d)), int(2, INT64), str(8, name), bytes(9, raw)];
}

/** ValueInfoProto for a 2-D tensor with symbolic dims. */
function valueInfo(field: number, name: string, elemType: number, dims: (string | number)[]): Field {
  const dimFields = dims.map((d) => msg(1, typeof d === 'number' ? int(1, d) : str(2, d)));
  const tensorType = msg(1, int(1, elemType), msg(2, ...dimFields));
  return msg(field, str(1, name), msg(2, tensorType));
}

interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Field[];
}

function node(spec: NodeSpec): Field {
  return msg(
    1,
    ...spec.inputs.map((i) => str(1, i)),
    ...spec.outputs.map((o) => str(2, o)),
    str(3, `${spec.op}_${spec.outputs[0]}`),
    str(4, spec.op),
    ...(spec.attrs ?? []),
  );
}

function intAttr(name: string, value: number): Field {
  return msg(5, str(1, name), int(3, value), int(20, 2));
}

/** Options of {@link buildTinyClassifier}. */
export interface TinyClassifierSpec {
  /** Embedding row per token id (all rows the same width). */
  embeddings: number[][];
  /** Output matrix: one row per embedding dimension, one column per label. */
  weights: number[][];
  /** Declare a `token_type_ids` input too (BERT-style models have one). */
  tokenTypeIds?: boolean;
  /** Declare an extra input with this name (to test the unsupported-input error). */
  extraInput?: string;
}

/**
 * Returns the bytes of an ONNX model (opset 13) computing
 * `logits = (Σ_t mask_t · E[ids_t]) / Σ_t mask_t · W`.
 */
export function buildTinyClassifier(spec: TinyClassifierSpec): Uint8Array {
  const vocab = spec.embeddings.length;
  const dim = (spec.embeddings[0] as number[]).length;
  const labels = (spec.weights[0] as number[]).length;
  const nodes: NodeSpec[] = [
    { op: 'Gather', inputs: ['emb', 'input_ids'], outputs: ['tok'], attrs: [intAttr('axis', 0)] },
    { op: 'Cast', inputs: ['attention_mask'], outputs: ['maskf'], attrs: [intAttr('to', FLOAT)] },
    { op: 'Unsqueeze', inputs: ['maskf', 'axis2'], outputs: ['mask3'] },
    { op: 'Mul', inputs: ['tok', 'mask3'], outputs: ['masked'] },
    { op: 'ReduceSum', inputs: ['masked', 'axis1'], outputs: ['summed'], attrs: [intAttr('keepdims', 0)] },
    { op: 'ReduceSum', inputs: ['maskf', 'axis1'], outputs: ['count'], attrs: [intAttr('keepdims', 1)] },
    { op: 'Div', inputs: ['summed', 'count'], outputs: ['mean'] },
    { op: 'MatMul', inputs: ['mean', 'w'], outputs: ['logits'] },
  ];
  const graph: Field[] = [
    ...nodes.map(node),
    str(2, 'tiny'),
    msg(5, ...floatTensor('emb', [vocab, dim], spec.embeddings.flat())),
    msg(5, ...floatTensor('w', [dim, labels], spec.weights.flat())),
    msg(5, ...int64Tensor('axis1', [1], [1])),
    msg(5, ...int64Tensor('axis2', [1], [2])),
    valueInfo(11, 'input_ids', INT64, ['batch', 'seq']),
    valueInfo(11, 'attention_mask', INT64, ['batch', 'seq']),
    ...(spec.tokenTypeIds === true ? [valueInfo(11, 'token_type_ids', INT64, ['batch', 'seq'])] : []),
    ...(spec.extraInput === undefined ? [] : [valueInfo(11, spec.extraInput, INT64, ['batch', 'seq'])]),
    valueInfo(12, 'logits', FLOAT, ['batch', labels]),
  ];
  const model: Field[] = [
    int(1, 8), // ir_version
    str(2, 'parapet-test'),
    msg(7, ...graph),
    msg(8, str(1, ''), int(2, 13)), // opset_import
  ];
  return Uint8Array.from(model.flat());
}
