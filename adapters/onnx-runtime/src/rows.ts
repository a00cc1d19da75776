/**
 * Column-to-row packing shared by every ONNX runtime (onnxruntime-node here, onnxruntime-web in a
 * browser or worker): feature columns (Float64Array per name, the shape features live in) become one
 * row-major float32 [rows, order.length] buffer, the input layout of Satcast's ONNX graphs.
 */
import { ValidationError } from '@satcast/core';

export interface PackedRows {
  data: Float32Array;
  rows: number;
  cols: number;
}

/**
 * Pack `columns[order[j]][i]` into row i, column j. ±Infinity becomes NaN so the graph's Imputer treats
 * it as missing, as the TypeScript models do (float32 would otherwise carry the infinity through).
 * Throws a ValidationError naming a missing column or one of the wrong length.
 */
export function packRows(columns: Readonly<Record<string, ArrayLike<number>>>, order: readonly string[], component = 'onnx-runtime'): PackedRows {
  if (order.length === 0) throw new ValidationError('no input columns given', { plugin: component, field: 'order' });
  const cols = order.map((name) => {
    const c = columns[name];
    if (!c) throw new ValidationError(`missing input column "${name}"`, { plugin: component, field: name });
    return c;
  });
  const rows = cols[0]!.length;
  cols.forEach((c, j) => {
    if (c.length !== rows) {
      throw new ValidationError(`column "${order[j]}" has ${c.length} rows, "${order[0]}" has ${rows}`, { plugin: component, field: order[j] });
    }
  });
  const p = order.length;
  const data = new Float32Array(rows * p);
  for (let j = 0; j < p; j++) {
    const c = cols[j]!;
    for (let i = 0; i < rows; i++) {
      const v = c[i]!;
      data[i * p + j] = v === Infinity || v === -Infinity ? Number.NaN : v;
    }
  }
  return { data, rows, cols: p };
}
