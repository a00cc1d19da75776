import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.js';
import { ObservationSchema } from './schemas/observation.js';
import { OBSERVATION_V2, observationUpcasters, UpcasterRegistry, type Message } from './upcast.js';
import { validateObservations } from './validate.js';
import { DAY } from './time.js';

const T0 = Date.UTC(2024, 0, 1);

/** v1 messages as the store/bus holds them today (some written before schemaVersion existed). */
const v1Messages: Message[] = [
  { source: 'fear-greed', series: 'fng', eventTime: T0, availableAt: T0, value: 30, attrs: { classification: 'Fear' }, schemaVersion: 1 },
  { source: 'fred', series: 'us10y', eventTime: T0, availableAt: T0 + 22 * 3_600_000, value: 3.9 },
  { source: 'coinmetrics', series: 'HashRate', eventTime: T0, availableAt: T0 + 30 * 3_600_000, value: 5e8, attrs: { anomaly: true, anomalyZ: 4.2 }, schemaVersion: 1 },
  { source: 'my-plugin', series: 'custom', eventTime: T0, availableAt: T0, value: 1, schemaVersion: 1 },
];

/** A v2 consumer: accepts only v2 and relies on attrs.quality / attrs.unit. */
function v2Consumer(msg: Message): { quality: string; unit: string | null; value: number } {
  const o = OBSERVATION_V2.parse(msg);
  return { quality: o.attrs.quality, unit: o.attrs.unit, value: o.value };
}

describe('upcast: observations v1 -> v2', () => {
  const reg = observationUpcasters();

  it('the v2 consumer rejects raw v1 messages (the change is real)', () => {
    for (const m of v1Messages) expect(() => v2Consumer(m)).toThrow();
  });

  it('replays v1 messages through the v2 consumer after upcasting', () => {
    const out = v1Messages.map((m) => v2Consumer(reg.upcast('observation', m)));
    expect(out).toEqual([
      { quality: 'ok', unit: 'index', value: 30 },
      { quality: 'ok', unit: 'percent', value: 3.9 },
      { quality: 'anomaly', unit: 'TH/s', value: 5e8 },
      { quality: 'ok', unit: null, value: 1 },
    ]);
    const hr = reg.upcast('observation', v1Messages[2]!) as { attrs: Record<string, unknown> };
    expect(hr.attrs).toEqual({ anomalyZ: 4.2, quality: 'anomaly', unit: 'TH/s' });
    expect(v1Messages[2]!.attrs).toEqual({ anomaly: true, anomalyZ: 4.2 }); // input untouched
  });

  it('upcasts what validateObservations emits today', () => {
    const values = Array.from({ length: 40 }, (_, d) => (d === 30 ? 90 : 40 + (d % 3)));
    const { accepted } = validateObservations(
      values.map((value, d) => ({ source: 'fear-greed', series: 'fng', eventTime: T0 + d * DAY, availableAt: T0 + d * DAY, value })),
      { source: 'fear-greed', now: T0 + 100 * DAY, transform: 'diff' },
    );
    const v2 = accepted.map((o) => OBSERVATION_V2.parse(reg.upcast('observation', o)));
    expect(v2[30]!.attrs.quality).toBe('anomaly');
    expect(v2.filter((o) => o.attrs.quality === 'anomaly').length).toBeGreaterThanOrEqual(1);
    expect(v2.every((o) => o.schemaVersion === 2 && o.attrs.unit === 'index')).toBe(true);
  });

  it('is the identity for a message already at the target and for a v1 reader', () => {
    const v2 = reg.upcast('observation', v1Messages[0]!);
    expect(reg.upcast('observation', v2)).toEqual(v2);
    expect(reg.upcast('observation', v1Messages[0]!, 1)).toBe(v1Messages[0]);
    expect(ObservationSchema.safeParse(reg.upcast('observation', v1Messages[1]!, 1)).success).toBe(true);
  });

  it('refuses unknown future versions and bad versions with a ValidationError naming schemaVersion', () => {
    const future = { ...v1Messages[0]!, schemaVersion: 3 };
    expect(() => reg.upcast('observation', future)).toThrow(ValidationError);
    expect(() => reg.upcast('observation', future)).toThrow(/\[upcast\] observation: schemaVersion 3 is newer than this reader understands \(v2\)/);
    expect(() => reg.upcast('observation', { ...future, schemaVersion: 0 })).toThrow(/positive integer/);
    expect(() => reg.upcast('observation', { ...future, schemaVersion: '2' })).toThrow(/positive integer/);
    const { ok, failed } = reg.upcastAll('observation', [v1Messages[0]!, future]);
    expect(ok).toHaveLength(1);
    expect(failed[0]!.reason).toMatch(/newer/);
  });
});

describe('upcast: chains and registry rules', () => {
  // A test-only v3: renames `value` to `v` (to prove steps compose in order).
  const reg = observationUpcasters().register('observation', 2, ({ value, ...rest }) => ({ ...rest, v: value }));

  it('chains v1 -> v2 -> v3 in order', () => {
    expect(reg.latest('observation')).toBe(3);
    const out = reg.upcast('observation', v1Messages[2]!);
    expect(out).toMatchObject({ schemaVersion: 3, v: 5e8, attrs: { quality: 'anomaly', unit: 'TH/s' } });
    expect('value' in out).toBe(false);
    // A v2 message enters the chain at step 2.
    expect(reg.upcast('observation', observationUpcasters().upcast('observation', v1Messages[0]!))).toMatchObject({ schemaVersion: 3, v: 30 });
  });

  it('names a missing step and refuses double registration', () => {
    const gap = new UpcasterRegistry().register('candle', 2, (m) => m);
    expect(() => gap.upcast('candle', { schemaVersion: 1 })).toThrow(/candle: no upcaster from v1 to v2/);
    expect(() => gap.register('candle', 2, (m) => m)).toThrow(/already registered/);
    expect(new UpcasterRegistry().latest('anything')).toBe(1);
  });
});
