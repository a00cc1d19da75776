import { describe, expect, it } from 'vitest';
import { AlertSchema, type AlertRule, type Prediction } from '@satcast/core';
import { UserRuleEvaluator, routeUserEvents } from './user.js';
import { dispatch } from './dispatch.js';

const T0 = 1_750_000_000_000;
const H = 3_600_000;
const pred = (o: Partial<Prediction> = {}): Prediction => ({
  asset: 'BTCUSDT', horizon: '1h', issuedAt: T0, targetTime: T0 + H, lastPrice: 100_000, point: 100_100,
  quantiles: { p05: 99_000, p25: 99_600, p50: 100_100, p75: 100_500, p95: 101_000 }, pUp: 0.8, confidence: 0.8,
  conservative: false, modelVersion: 'ewma-band@1', metadata: {}, ...o,
});
const rule = (o: Partial<AlertRule> = {}): AlertRule => ({
  id: 'rule_1', owner: 'alice', name: 'High-confidence 1h', kind: 'confidence_above', horizon: '1h', threshold: 0.75,
  channel: { type: 'webhook', url: 'https://example.com/hook' }, enabled: true, createdAt: T0, updatedAt: T0, ...o,
});

describe('user alert rules', () => {
  it('confidence_above fires on the crossing only (edge-triggered), for its horizon, when enabled', () => {
    const ev = new UserRuleEvaluator();
    const rules = [rule(), rule({ id: 'rule_off', enabled: false }), rule({ id: 'rule_24h', horizon: '24h' })];
    const seq = [0.8, 0.9, 0.6, 0.76].map((c, i) => ev.evaluate(rules, { prediction: pred({ confidence: c, issuedAt: T0 + i * H, targetTime: T0 + (i + 1) * H }) }, T0 + i * H));
    expect(seq.map((s) => s.length)).toEqual([1, 0, 0, 1]);
    const a = seq[0]![0]!.alert;
    expect(AlertSchema.parse(a)).toBeTruthy();
    expect(a).toMatchObject({ rule: 'user:rule_1', severity: 'info', status: 'firing', title: 'High-confidence 1h', dedupKey: `user:rule_1:1h:${T0}` });
    expect(a.labels).toMatchObject({ owner: 'alice', ruleId: 'rule_1', horizon: '1h', channel: 'webhook' });
    expect(a.message).toMatch(/confidence 0\.800 >= 0\.75/);
    // The edge-trigger state persists.
    const again = new UserRuleEvaluator(ev.stateOf());
    expect(again.evaluate(rules, { prediction: pred({ confidence: 0.9 }) }, T0 + 9 * H)).toHaveLength(0);
  });

  it('price_outside_band fires once per matured prediction whose realised price left [p05, p95]', () => {
    const ev = new UserRuleEvaluator();
    const r = rule({ id: 'rule_band', kind: 'price_outside_band', threshold: undefined });
    const out = ev.evaluate([r], { matured: [
      { prediction: pred({ issuedAt: T0 }), realized: 101_500 },
      { prediction: pred({ issuedAt: T0 + H, targetTime: T0 + 2 * H }), realized: 100_000 },
      { prediction: pred({ issuedAt: T0 + 2 * H, targetTime: T0 + 3 * H }), realized: 98_000 },
      { prediction: pred({ horizon: '4h', targetTime: T0 + 4 * H }), realized: 1 },
    ] }, T0 + 3 * H);
    expect(out.map((e) => e.alert.labels.side)).toEqual(['above', 'below']);
    expect(out[0]!.alert.message).toMatch(/realised 101,500 is above the 90% band 99,000–101,000/);
  });

  it('routes each event to the rule\'s own channel and records delivery status', async () => {
    const ev = new UserRuleEvaluator();
    const rules = [rule(), rule({ id: 'rule_dash', channel: { type: 'dashboard' } })];
    const events = ev.evaluate(rules, { prediction: pred() }, T0);
    const deliveries = routeUserEvents(events);
    expect(deliveries.map((d) => d.channel)).toEqual(['webhook', 'dashboard']);
    expect(deliveries[0]!.target).toEqual({ type: 'webhook', url: 'https://example.com/hook' });
    const urls: unknown[] = [];
    const recs = await dispatch(deliveries, (d) => (d.channel === 'webhook' ? { retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 }, notifier: { send: async () => (urls.push((d.target as { url: string }).url), {}) } } : undefined), { now: () => T0 });
    expect(recs.map((r) => `${r.channel}:${r.outcome}`)).toEqual(['webhook:delivered', 'dashboard:no-channel']);
    expect(urls).toEqual(['https://example.com/hook']);
  });
});
