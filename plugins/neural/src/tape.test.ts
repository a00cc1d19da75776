import { describe, expect, it } from 'vitest';
import { seededRandom } from '@satcast/core';
import { createNet, type Arch } from './nets.js';
import { Tape } from './tape.js';
import { lossOf } from './train.js';

/** Loss = sum_b huber(zHat_b - y_b); analytic gradient vs central differences on every weight. */
function gradCheck(arch: Arch, L = 4, F = 3, B = 3) {
  const rand = seededRandom(7);
  const net = createNet(arch, L, F, rand);
  // Move every weight off its init (LN gains 1, zero biases) so no gradient is trivially 0.
  for (const t of net.weights.values()) for (let i = 0; i < t.v.length; i++) t.v[i]! += (rand() - 0.5) * 0.5;
  const x = Float64Array.from({ length: B * L * F }, () => (rand() - 0.5) * 3);
  const y = Float64Array.from({ length: B }, () => (rand() - 0.5) * 4);
  const loss = () => {
    const out = net.forward(new Tape(false), x, B);
    let s = 0;
    for (let b = 0; b < B; b++) s += lossOf('huber', 0.5, out.v[b]!, y[b]!)[0];
    return s;
  };
  const tape = new Tape(true);
  for (const t of net.trainable) t.g!.fill(0);
  const out = net.forward(tape, x, B);
  for (let b = 0; b < B; b++) out.g![b] = lossOf('huber', 0.5, out.v[b]!, y[b]!)[1];
  tape.backward();
  let worst = 0, checked = 0;
  for (const [name, t] of net.weights) {
    if (!net.trainable.includes(t)) continue;
    for (let i = 0; i < t.v.length; i++) {
      const v = t.v[i]!, h = 1e-5;
      t.v[i] = v + h;
      const up = loss();
      t.v[i] = v - h;
      const down = loss();
      t.v[i] = v;
      const num = (up - down) / (2 * h), ana = t.g![i]!;
      const err = Math.abs(num - ana) / Math.max(1e-6, Math.abs(num) + Math.abs(ana));
      if (Math.abs(num - ana) > 1e-7 && err > worst) worst = err;
      expect(Math.abs(num - ana), `${name}[${i}] numeric ${num} analytic ${ana}`).toBeLessThan(1e-6 + 1e-4 * Math.abs(num));
      checked++;
    }
  }
  return { worst, checked };
}

describe('tape autodiff: finite-difference gradient check', () => {
  it('LSTM (every weight)', () => {
    const r = gradCheck({ kind: 'lstm', hidden: 3 });
    expect(r.checked).toBe(3 * 12 + 3 * 12 + 12 + 3 + 1);
  });

  it('Transformer, 2 heads, mean pooling, learned positions (every weight)', () => {
    const r = gradCheck({ kind: 'transformer', dModel: 4, heads: 2, ffn: 5, pooling: 'mean', positional: 'learned' });
    expect(r.checked).toBeGreaterThan(100);
  });

  it('Transformer, 1 head, last-token pooling, sinusoidal positions (P not trained)', () => {
    const net = createNet({ kind: 'transformer', dModel: 4, heads: 1, ffn: 5, pooling: 'last', positional: 'sinusoidal' }, 4, 3, seededRandom(1));
    expect(net.trainable).not.toContain(net.weights.get('P'));
    gradCheck({ kind: 'transformer', dModel: 4, heads: 1, ffn: 5, pooling: 'last', positional: 'sinusoidal' });
  });

  it('the check can fail: a wrong gradient is caught', () => {
    const net = createNet({ kind: 'lstm', hidden: 2 }, 3, 2, seededRandom(3));
    const x = Float64Array.from({ length: 6 }, (_, i) => i / 6 - 0.4);
    const tape = new Tape(true);
    const out = net.forward(tape, x, 1);
    out.g![0] = 1;
    tape.backward();
    const w = net.weights.get('Wx')!;
    const v = w.v[0]!;
    w.v[0] = v + 1e-5;
    const up = net.forward(new Tape(false), x, 1).v[0]!;
    w.v[0] = v - 1e-5;
    const down = net.forward(new Tape(false), x, 1).v[0]!;
    w.v[0] = v;
    const num = (up - down) / 2e-5;
    expect(Math.abs(num - w.g![0]!)).toBeLessThan(1e-7);
    expect(Math.abs(num - 1.01 * w.g![0]!)).toBeGreaterThan(1e-9);
  });
});
