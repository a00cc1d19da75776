import { describe, expect, it } from 'vitest';
import { AlertSchema, PluginError, UnavailableError } from '@satcast/core';
import { RuleEngine, type RuleSpec } from './engine.js';
import { defaultOperatorRules, type OperatorSnapshot } from './defaults.js';
import { routeEvents } from './route.js';
import { dashboardNotifier, dispatch } from './dispatch.js';

const T0 = 1_750_000_000_000;
const H = 3_600_000;
const cov = (c: number, n = 200, horizon = '1h') => ({ coverage: [{ model: 'ewma-band', horizon, coverage90: c, n }] });

/** Run a sequence of snapshots one hour apart; return the event types per step. */
function run<S>(engine: RuleEngine<S>, snaps: S[]) {
  return snaps.map((s, i) => engine.evaluate(s, T0 + i * H));
}

describe('rule engine', () => {
  it('fires only after forEvaluations consecutive breaches and resolves after clearEvaluations clears', () => {
    const e = new RuleEngine(defaultOperatorRules());
    const steps = run(e, [cov(0.85), cov(0.85), cov(0.85), cov(0.85), cov(0.95), cov(0.95), cov(0.95)]);
    expect(steps.map((s) => s.map((x) => x.type).join())).toEqual(['', '', 'fire', '', '', '', 'resolve']);
    const fire = steps[2]![0]!;
    expect(AlertSchema.parse(fire.alert)).toBeTruthy();
    expect(fire).toMatchObject({ rule: 'accuracy-degradation', action: 'retrain', channels: ['slack', 'email', 'sms'] });
    expect(fire.alert).toMatchObject({ severity: 'warning', status: 'firing', dedupKey: 'accuracy-degradation:horizon=1h,model=ewma-band', createdAt: T0 + 2 * H });
    const res = steps[6]![0]!;
    // Same id, dedupKey and createdAt: stores update the alert in place; PagerDuty closes the same incident.
    expect(res.alert).toMatchObject({ id: fire.alert.id, dedupKey: fire.alert.dedupKey, createdAt: fire.alert.createdAt, status: 'resolved' });
    expect(res.alert.labels.resolvedAt).toBe(String(T0 + 6 * H));
  });

  it('does not flap: alternating breach/clear never fires, and a value in the dead band holds state', () => {
    const e = new RuleEngine(defaultOperatorRules());
    expect(run(e, [cov(0.85), cov(0.95), cov(0.85), cov(0.95), cov(0.85), cov(0.885), cov(0.85)]).flat()).toEqual([]);
    const f = new RuleEngine(defaultOperatorRules());
    const steps = run(f, [cov(0.85), cov(0.85), cov(0.85), cov(0.95), cov(0.95), cov(0.885), cov(0.95), cov(0.95), cov(0.885), cov(0.885)]);
    // 0.885 is between 0.88 (fire) and 0.89 (clear): it breaks the run of clears, so no resolve yet.
    expect(steps.flat().map((x) => x.type)).toEqual(['fire']);
    expect(f.active()).toHaveLength(1);
  });

  it('skips coverage with too few scored predictions; missing groups change nothing', () => {
    const e = new RuleEngine(defaultOperatorRules());
    expect(run(e, [cov(0.5, 10), cov(0.5, 10), cov(0.5, 10), cov(0.5, 10)]).flat()).toEqual([]);
    const f = new RuleEngine(defaultOperatorRules());
    run(f, [cov(0.8), cov(0.8), cov(0.8)]);
    expect(run(f, [{}, {}, {}, {}]).flat()).toEqual([]); // no data is not "all clear"
    expect(f.active()).toHaveLength(1);
  });

  it('groups are independent: one dedup key per (rule, labels)', () => {
    const e = new RuleEngine(defaultOperatorRules());
    const two = (a: number, b: number): OperatorSnapshot => ({ coverage: [{ model: 'm', horizon: '1h', coverage90: a, n: 100 }, { model: 'm', horizon: '24h', coverage90: b, n: 100 }] });
    const ev = run(e, [two(0.8, 0.95), two(0.8, 0.95), two(0.8, 0.8), two(0.8, 0.8), two(0.8, 0.8)]).flat();
    expect(ev.map((x) => x.alert.labels.horizon)).toEqual(['1h', '24h']);
  });

  it('the four operator rules: thresholds, actions, channels, severities', () => {
    const e = new RuleEngine(defaultOperatorRules());
    const s: OperatorSnapshot = {
      anomalies: [{ source: 'binance', series: 'close', z: -3.4 }, { source: 'fred', series: 'vix', z: 2.9 }],
      components: [{ component: 'store', ok: false, detail: 'SQLITE_BUSY' }, { component: 'cache', ok: true }],
      confidence: [{ horizon: '1h', value: 0.55 }, { horizon: '24h', value: 0.71 }],
    };
    const steps = run(e, [s, s, s]);
    expect(steps[0]!.map((x) => `${x.rule}:${x.action}:${x.alert.severity}:${x.channels.join('+')}`)).toEqual(['data-anomaly:validate:warning:slack']);
    expect(steps[1]!.map((x) => `${x.rule}:${x.action}:${x.alert.severity}:${x.channels.join('+')}`)).toEqual(['system-failure:failover:critical:pagerduty+sms']);
    expect(steps[2]!.map((x) => `${x.rule}:${x.action}:${x.alert.severity}:${x.channels.join('+')}`)).toEqual(['low-confidence:raise-update-frequency:info:dashboard']);
    expect(steps[1]![0]!.alert.message).toBe('store is unavailable: SQLITE_BUSY');
    expect(steps[2]![0]!.alert.labels).toEqual({ horizon: '1h', action: 'raise-update-frequency' });
    // Anomaly clears only below |z| 2.5, three times in a row.
    const calm: OperatorSnapshot = { anomalies: [{ source: 'binance', series: 'close', z: 0.3 }] };
    expect(run(e, [calm, calm, calm]).flat().map((x) => `${x.type}:${x.rule}`)).toEqual(['resolve:data-anomaly']);
  });

  it('thresholds and counts can be overridden; state survives a restart', () => {
    const rules = defaultOperatorRules({ confidenceFire: 0.6, forEvaluations: { accuracy: 1, anomaly: 1, system: 1, confidence: 1 } });
    const e = new RuleEngine(rules);
    expect(e.evaluate({ confidence: [{ horizon: '1h', value: 0.65 }] }, T0)).toEqual([]);
    expect(e.evaluate({ confidence: [{ horizon: '1h', value: 0.55 }] }, T0 + H)).toHaveLength(1);
    const restarted = new RuleEngine(rules, e.snapshotState());
    expect(restarted.active()).toHaveLength(1);
    expect(restarted.evaluate({ confidence: [{ horizon: '1h', value: 0.55 }] }, T0 + 2 * H)).toEqual([]); // already firing
  });

  it('rejects duplicate rule ids and zero counts', () => {
    const r = defaultOperatorRules()[0]!;
    expect(() => new RuleEngine([r, r])).toThrow(/duplicate rule id/);
    expect(() => new RuleEngine([{ ...r, forEvaluations: 0 } as RuleSpec<OperatorSnapshot>])).toThrow(/must be >= 1/);
  });
});

describe('routing and dispatch', () => {
  const fireAll = () => {
    const e = new RuleEngine(defaultOperatorRules({ forEvaluations: { accuracy: 1, anomaly: 1, system: 1, confidence: 1 } }));
    return e.evaluate({
      coverage: ['1h', '4h', '24h'].map((horizon) => ({ model: 'm', horizon, coverage90: 0.8, n: 100 })),
      components: [{ component: 'store', ok: false }, { component: 'edge', ok: false }],
    }, T0);
  };

  it('groups same-rule events on chatty channels, never on pagerduty', () => {
    const d = routeEvents(fireAll());
    const by = (c: string) => d.filter((x) => x.channel === c);
    expect(by('slack')).toHaveLength(1);
    expect(by('slack')[0]!.alert.title).toBe('3 × Accuracy degradation: 90% band coverage too low');
    expect(by('slack')[0]!.covers).toHaveLength(3);
    expect(by('email')).toHaveLength(1);
    expect(by('sms')).toHaveLength(2); // one grouped accuracy message + one grouped system-failure message
    expect(by('sms').map((x) => x.alert.severity).sort()).toEqual(['critical', 'warning']);
    expect(by('pagerduty').map((x) => x.alert.dedupKey)).toEqual(['system-failure:component=store', 'system-failure:component=edge']);
    for (const x of d) expect(AlertSchema.safeParse(x.alert).success).toBe(true);
  });

  it('dispatch records delivered, failed (with attempts), duplicate and missing channels', async () => {
    const sent: string[] = [];
    let slackCalls = 0;
    const stored: unknown[] = [];
    const records = await dispatch(
      routeEvents(fireAll()),
      (d) => {
        if (d.channel === 'slack') return { retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 }, notifier: { send: async () => { if (++slackCalls < 3) throw new UnavailableError('503'); return { id: 'ts-1' }; } } };
        if (d.channel === 'email') return { retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 }, notifier: { send: async () => { throw new PluginError('535 auth failed', { retryable: false }); } } };
        if (d.channel === 'pagerduty') return { retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 }, notifier: { send: async (a) => (sent.push(a.dedupKey), { id: a.dedupKey }) } };
        if (d.channel === 'dashboard') return dashboardNotifier({ putAlerts: async (a) => (stored.push(...a), { inserted: a.length, updated: 0, unchanged: 0 }) });
        return undefined;
      },
      { now: () => T0, sleep: async () => {} },
    );
    const rec = (c: string) => records.filter((r) => r.channel === c);
    expect(rec('slack')[0]).toMatchObject({ outcome: 'delivered', attempts: 3, receiptId: 'ts-1' });
    expect(rec('email')[0]).toMatchObject({ outcome: 'failed', attempts: 1, error: expect.stringMatching(/535 auth failed/) });
    expect(rec('pagerduty').map((r) => r.outcome)).toEqual(['delivered', 'delivered']);
    expect(rec('sms').every((r) => r.outcome === 'no-channel' && r.attempts === 0)).toBe(true);
    expect(sent).toHaveLength(2);
  });
});
