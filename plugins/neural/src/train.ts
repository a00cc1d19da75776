/**
 * Minibatch training with early stopping. Each sample is one window (its rows precede its target), so
 * shuffling windows of the fit fold across minibatches is fine; validation windows are only scored,
 * never stepped on. The weights of the best validation epoch are kept.
 */
import { seededRandom } from '@satcast/core';
import { predictWindows, type Net } from './nets.js';
import { Adam, Tape } from './tape.js';
import { standardise, type Sequence, type Standardiser } from './windows.js';

export interface TrainParams {
  loss: 'mse' | 'huber';
  huberDelta: number;
  epochs: number;
  patience: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  seed: number;
}

export interface TrainReport {
  /** Epochs run (including the ones after the best, before stopping). */
  epochs: number;
  /** 1-based epoch whose weights were kept. */
  bestEpoch: number;
  /** Validation loss per epoch (first entry: before any step). */
  validLoss: number[];
  trainLoss: number[];
  stoppedEarly: boolean;
}

/** Loss and its derivative for prediction p and target y. */
export function lossOf(kind: 'mse' | 'huber', delta: number, p: number, y: number): [number, number] {
  const r = p - y;
  if (kind === 'mse' || Math.abs(r) <= delta) return [0.5 * r * r, r];
  return [delta * (Math.abs(r) - 0.5 * delta), r > 0 ? delta : -delta];
}

/** zHat of the windows ending at `rows`, in chunks of 4096 windows (bounded memory for any row count). */
export function zHatRows(net: Net, seq: Sequence, st: Standardiser, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let s = 0; s < rows.length; s += 4096) {
    const part = rows.subarray(s, Math.min(rows.length, s + 4096));
    out.set(predictWindows(net, standardise(seq.windows(part, net.L), st), part.length), s);
  }
  return out;
}

/** Mean loss of the net on some rows. */
export function meanLoss(net: Net, seq: Sequence, st: Standardiser, rows: Int32Array, y: Float64Array, p: TrainParams): number {
  const z = zHatRows(net, seq, st, rows);
  let s = 0;
  for (let i = 0; i < rows.length; i++) s += lossOf(p.loss, p.huberDelta, z[i]!, y[rows[i]!]!)[0];
  return s / Math.max(1, rows.length);
}

/** Let the event loop run (timers, I/O, RPC) between minibatches; results do not depend on it. */
const yieldNow = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Train `net` in place on `fitRows` (targets y[row]), early-stopping on `validRows`. Async only to hand
 * the thread back every ~100 ms, so a fit inside a server or test worker does not block its event loop.
 */
export async function train(net: Net, seq: Sequence, st: Standardiser, y: Float64Array, fitRows: Int32Array, validRows: Int32Array, p: TrainParams): Promise<TrainReport> {
  const rand = seededRandom(p.seed ^ 0x5bd1e995);
  const opt = new Adam(net.trainable, { lr: p.learningRate, weightDecay: p.weightDecay, clipNorm: 1 });
  const order = Int32Array.from(fitRows);
  const snapshot = () => [...net.weights.values()].map((t) => Float64Array.from(t.v));
  let best = snapshot();
  let bestLoss = meanLoss(net, seq, st, validRows, y, p);
  const validLoss = [bestLoss];
  const trainLoss: number[] = [];
  let bestEpoch = 0, epoch = 0;
  const per = net.L * net.F;
  const buf = new Float64Array(p.batchSize * per);
  const batchRows = new Int32Array(p.batchSize);
  let lastYield = Date.now();
  for (epoch = 1; epoch <= p.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    let sum = 0;
    for (let s = 0; s < order.length; s += p.batchSize) {
      const B = Math.min(p.batchSize, order.length - s);
      const rows = batchRows.subarray(0, B);
      rows.set(order.subarray(s, s + B));
      const x = standardise(seq.windows(rows, net.L, buf.subarray(0, B * per)), st);
      const tape = new Tape(true);
      const out = net.forward(tape, x, B);
      opt.zeroGrad();
      if (!out.g) throw new Error('network output has no gradient');
      for (let b = 0; b < B; b++) {
        const [l, d] = lossOf(p.loss, p.huberDelta, out.v[b]!, y[rows[b]!]!);
        sum += l;
        out.g[b] = d / B;
      }
      tape.backward();
      opt.step();
      if (Date.now() - lastYield > 100) {
        await yieldNow();
        lastYield = Date.now();
      }
    }
    trainLoss.push(sum / Math.max(1, order.length));
    await yieldNow();
    const vl = meanLoss(net, seq, st, validRows, y, p);
    validLoss.push(vl);
    if (vl < bestLoss - 1e-9) {
      bestLoss = vl;
      bestEpoch = epoch;
      best = snapshot();
    } else if (epoch - bestEpoch >= p.patience) break;
  }
  [...net.weights.values()].forEach((t, k) => t.v.set(best[k]!));
  const ran = Math.min(epoch, p.epochs);
  return { epochs: ran, bestEpoch, validLoss, trainLoss, stoppedEarly: ran < p.epochs };
}
