import { beforeAll, describe, expect } from 'vitest';
import { PLUGIN_NAME_RE } from '../plugins/common.js';
import { createPluginContext, type PluginContext } from '../plugins/context.js';
import { sendWithRetry, type Notifier, type NotifierDefinition } from '../plugins/notifier.js';
import type { Alert } from '../schemas/alert.js';
import { caseFor, type SuiteOptions } from './suite.js';

/** A receiver the suite can steer: the plugin's test wires it to a local fake server. */
export interface NotifierHarness {
  /** Context overrides (e.g. nothing, when options point at the fake server's URL). */
  ctx?: Partial<PluginContext>;
  /** Make the next `n` deliveries fail: `transient` (5xx/timeout) or `permanent` (4xx/auth). */
  failNext(n: number, kind: 'transient' | 'permanent'): void;
  /** Deliveries the receiver accepted, in order. */
  received(): Promise<unknown[]>;
  reset(): void;
}

export interface NotifierSuiteOptions<O> extends SuiteOptions<{ notifier: Notifier; options: O }> {
  plugin: NotifierDefinition<O>;
  options: unknown;
  harness: NotifierHarness;
  /** Secret values from options that must never appear in error messages. */
  secrets?: string[];
}

export function sampleAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: 'alert-1',
    rule: 'low-confidence',
    severity: 'warning',
    status: 'firing',
    dedupKey: 'low-confidence:BTCUSDT:1h',
    title: 'Low prediction confidence',
    message: '1h confidence 0.52 below 0.70',
    createdAt: 1_719_792_000_000,
    labels: { asset: 'BTCUSDT', horizon: '1h' },
    ...overrides,
  };
}

const noSleep = async () => {};

/** The notifier contract: delivers once, retries only transient failures, never leaks secrets. */
export function testNotifier<O>(opts: NotifierSuiteOptions<O>): void {
  const { plugin: def, harness } = opts;
  const test = caseFor(opts.skip);
  let notifier: Notifier;
  let options: O;

  describe(`notifier contract: ${def.name}`, () => {
    beforeAll(async () => {
      options = def.optionsSchema.parse(opts.options);
      notifier = await def.create(options, createPluginContext(harness.ctx));
    });

    test('definition is well formed', () => {
      expect(def.kind).toBe('notifier');
      expect(def.name).toMatch(PLUGIN_NAME_RE);
      expect(def.apiVersion).toBe(1);
      expect(def.retry.attempts).toBeGreaterThanOrEqual(1);
      expect(def.retry.maxDelayMs).toBeGreaterThanOrEqual(def.retry.baseDelayMs);
    });

    test('delivers an alert exactly once', async () => {
      harness.reset();
      const res = await sendWithRetry(notifier, def.retry, sampleAlert(), { sleep: noSleep });
      expect(res.attempts).toBe(1);
      expect(await harness.received()).toHaveLength(1);
    });

    test('retries transient failures and delivers once', async () => {
      if (def.retry.attempts < 2) return;
      harness.reset();
      harness.failNext(def.retry.attempts - 1, 'transient');
      const res = await sendWithRetry(notifier, def.retry, sampleAlert({ id: 'alert-2' }), { sleep: noSleep });
      expect(res.attempts).toBe(def.retry.attempts);
      expect(await harness.received()).toHaveLength(1);
    });

    test('does not retry permanent failures and reports them', async () => {
      harness.reset();
      harness.failNext(1, 'permanent');
      let calls = 0;
      const counting = { send: (a: Alert) => (calls++, notifier.send(a)) };
      await expect(sendWithRetry(counting, def.retry, sampleAlert({ id: 'alert-3' }), { sleep: noSleep })).rejects.toThrow();
      expect(calls).toBe(1);
      expect(await harness.received()).toHaveLength(0);
    });

    test('gives up after the retry budget on persistent transient failures', async () => {
      harness.reset();
      harness.failNext(def.retry.attempts + 5, 'transient');
      await expect(sendWithRetry(notifier, def.retry, sampleAlert({ id: 'alert-4' }), { sleep: noSleep })).rejects.toThrow();
      expect(await harness.received()).toHaveLength(0);
    });

    test('errors never contain secrets', async () => {
      harness.reset();
      harness.failNext(1, 'permanent');
      const err = await notifier.send(sampleAlert({ id: 'alert-5' })).catch((e: unknown) => e);
      const text = `${String(err)} ${JSON.stringify(err)}`;
      for (const s of opts.secrets ?? []) expect(text).not.toContain(s);
    });

    opts.additionalTests?.(() => ({ notifier, options }));
  });
}
