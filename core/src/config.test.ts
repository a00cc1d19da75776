import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resolveConfig } from './config.js';
import { ConfigError } from './errors.js';
import { createPluginRegistry } from './plugins/registry.js';
import { defineDataSource } from './plugins/data-source.js';
import { defineFeatureSet } from './plugins/feature-set.js';
import { defineModel } from './plugins/model.js';
import { defineNotifier } from './plugins/notifier.js';

const source = defineDataSource({
  name: 'fake-source',
  apiVersion: 1,
  optionsSchema: z.strictObject({ path: z.string(), speed: z.number().default(1) }),
  capabilities: { backfill: true, realtime: false },
  series: () => [{ kind: 'candles', symbol: 'BTCUSDT', interval: '1h' }],
  create: () => ({ fetchRange: async () => ({}) }),
});
const features = defineFeatureSet({
  name: 'fake-features',
  apiVersion: 1,
  optionsSchema: z.strictObject({}),
  inputs: [{ kind: 'candles', interval: '1h' }],
  publicationLag: 0,
  lookback: () => 1,
  features: () => [{ name: 'x', description: 'x' }],
  create: () => ({ batch: () => ({}), incremental: () => ({ update: () => ({}) }) }),
});
const model = defineModel({
  name: 'fake-model',
  apiVersion: 1,
  optionsSchema: z.strictObject({ window: z.number().int().min(10).default(100) }),
  capabilities: { horizons: ['1h', '4h', '24h'], formats: ['json'], cheapRefit: true },
  inputs: () => [],
  create: () => ({ fit() {}, predict: () => [], serialize: () => ({ format: 'json', bytes: new Uint8Array(1) }) }),
  load: () => ({ fit() {}, predict: () => [], serialize: () => ({ format: 'json', bytes: new Uint8Array(1) }) }),
});
const notifier = defineNotifier({
  name: 'fake-notifier',
  apiVersion: 1,
  optionsSchema: z.strictObject({ url: z.string() }),
  retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
  create: () => ({ send: async () => ({}) }),
});
const registry = createPluginRegistry([source, features, model, notifier]);
const valid = {
  sources: [{ plugin: 'fake-source', options: { path: 'x.csv' } }],
  features: [{ plugin: 'fake-features' }],
  models: [{ plugin: 'fake-model' }],
  servedModel: 'fake-model',
};

function messageOf(raw: unknown): string {
  try {
    resolveConfig(raw, registry, 'test.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveConfig', () => {
  it('resolves a valid config with defaults and validated plugin options', () => {
    const c = resolveConfig(valid, registry);
    expect(c.asset).toBe('BTCUSDT');
    expect(c.horizons).toEqual(['1h', '4h', '24h']);
    expect(c.confidenceThreshold).toBe(0.85);
    expect(c.server).toEqual({ port: 8787, host: '127.0.0.1' });
    expect(c.store.url).toBe('file:.satcast/satcast.db');
    expect(c.resolved.sources[0]!.options).toEqual({ path: 'x.csv', speed: 1 });
    expect(c.resolved.models[0]!.options).toEqual({ window: 100 });
  });

  it('names an unknown plugin and lists the known ones', () => {
    const msg = messageOf({ ...valid, sources: [{ plugin: 'binanse' }] });
    expect(msg).toMatch(/sources\[0\]\.plugin: unknown source plugin "binanse" \(known: fake-source\)/);
  });

  it('names a wrongly typed plugin option with the expected type', () => {
    const msg = messageOf({ ...valid, models: [{ plugin: 'fake-model', options: { window: 'big' } }] });
    expect(msg).toMatch(/models\[0\]\.options\.window: .*expected number, received string \(plugin "fake-model"\)/);
  });

  it('names unknown fields at the top level and in plugin options', () => {
    expect(messageOf({ ...valid, servedModell: 'x' })).toMatch(/\(root\): unknown field\(s\) "servedModell"/);
    expect(messageOf({ ...valid, sources: [{ plugin: 'fake-source', options: { path: 'a', sped: 2 } }] })).toMatch(
      /sources\[0\]\.options: unknown field\(s\) "sped"/,
    );
  });

  it('names a wrong top-level type and a missing section', () => {
    const msg = messageOf({ ...valid, confidenceThreshold: '0.9', models: undefined });
    expect(msg).toMatch(/confidenceThreshold: .*expected number, received string/);
    expect(msg).toMatch(/models: .*expected array/);
  });

  it('rejects a served model that is not configured', () => {
    expect(messageOf({ ...valid, servedModel: 'gbdt' })).toMatch(/servedModel: "gbdt" is not an enabled model or ensemble id/);
  });

  it('ensembles: members must be enabled models, ids distinct, the robust member a member; an ensemble can be served', () => {
    const two = { ...valid, models: [{ plugin: 'fake-model' }, { plugin: 'fake-model', id: 'other' }] };
    const c = resolveConfig({ ...two, ensembles: [{ id: 'stack', method: 'stack', members: ['fake-model', 'other'] }], servedModel: 'stack' }, registry);
    expect(c.ensembles[0]).toMatchObject({ id: 'stack', method: 'stack', enabled: true, options: {} });
    expect(resolveConfig(two, registry).ensembles).toEqual([]);
    expect(messageOf({ ...two, ensembles: [{ id: 'e', method: 'dynamic', members: ['fake-model', 'gbdt'] }] })).toMatch(/ensembles\[0\]\.members\[1\]: "gbdt" is not an enabled model id/);
    expect(messageOf({ ...two, ensembles: [{ id: 'other', method: 'equal', members: ['fake-model', 'other'] }] })).toMatch(/ensembles\[0\]\.id: "other" is already a model or ensemble id/);
    expect(messageOf({ ...two, ensembles: [{ id: 'e', method: 'vote', members: ['fake-model', 'other'] }] })).toMatch(/ensembles\.0\.method|ensembles\[0\]\.method/);
    expect(messageOf({ ...two, ensembles: [{ id: 'e', method: 'equal', members: ['fake-model'] }] })).toMatch(/ensembles\[0\]\.members/);
    expect(messageOf({ ...two, ensembles: [{ id: 'e', method: 'stack', members: ['fake-model', 'other'], shock: { robust: 'huber' } }] })).toMatch(/ensembles\[0\]\.shock\.robust: "huber" is not one of the members/);
    expect(messageOf({ ...two, ensembles: [{ id: 'e', method: 'stack', members: ['fake-model', 'other'], enabled: false }], servedModel: 'e' })).toMatch(/servedModel: "e"/);
    expect(messageOf({ ...two, ensembles: [{ id: 'e', method: 'equal', members: ['fake-model', 'other'], shock: {} }] })).toMatch(/ensembles\[0\]\.shock: shock handling needs method "stack" or "dynamic"/);
  });

  it('rejects duplicate instance ids and skips disabled plugins', () => {
    expect(messageOf({ ...valid, models: [{ plugin: 'fake-model' }, { plugin: 'fake-model' }] })).toMatch(/models\[1\]\.id: duplicate id/);
    const c = resolveConfig({ ...valid, models: [...valid.models, { plugin: 'nope', enabled: false }] }, registry);
    expect(c.resolved.models).toHaveLength(1);
  });

  it('notifiers and alerting are optional (old configs resolve unchanged) and validated like the other sections', () => {
    const c = resolveConfig(valid, registry);
    expect(c.notifiers).toEqual([]);
    expect(c.resolved.notifiers).toEqual([]);
    expect(c.alerting.enabled).toBe(true);
    expect(c.alerting.thresholds).toEqual({});
    expect(c.alerting.routes).toEqual({});
    const n = resolveConfig({ ...valid, notifiers: [{ plugin: 'fake-notifier', id: 'ops', options: { url: 'x' } }], alerting: { thresholds: { zFire: 4 } } }, registry);
    expect(n.resolved.notifiers.map((r) => [r.id, r.options])).toEqual([['ops', { url: 'x' }]]);
    expect(n.alerting.thresholds.zFire).toBe(4);
    expect(messageOf({ ...valid, notifiers: [{ plugin: 'slak' }] })).toMatch(/notifiers\[0\]\.plugin: unknown notifier plugin "slak" \(known: fake-notifier\)/);
    expect(messageOf({ ...valid, notifiers: [{ plugin: 'fake-notifier', options: {} }] })).toMatch(/notifiers\[0\]\.options\.url: .*\(plugin "fake-notifier"\)/);
    expect(messageOf({ ...valid, alerting: { thresholds: { zFire: 2, zClear: 3 } } })).toMatch(/alerting\.thresholds\.zClear: must be <= zFire/);
    expect(messageOf({ ...valid, alerting: { thresholdz: {} } })).toMatch(/alerting: unknown field\(s\) "thresholdz"/);
  });
});

describe('plugin registry', () => {
  it('gets by kind and name, and lists', () => {
    expect(registry.get('model', 'fake-model')).toBe(model);
    expect(registry.list('source')).toEqual([source]);
    expect(registry.list()).toHaveLength(4);
  });

  it('refuses malformed definitions, naming them', () => {
    const r = createPluginRegistry();
    expect(() => r.register({ ...model, name: 'Bad Name' })).toThrow(/name must match/);
    expect(() => r.register({ ...model, apiVersion: 2 as 1 })).toThrow(/\[fake-model\] unsupported apiVersion 2/);
    expect(() => r.register({ ...model, optionsSchema: {} as never })).toThrow(/optionsSchema must be a zod schema/);
    r.register(model);
    expect(() => r.register({ ...model })).toThrow(/already registered/);
    expect(() => r.get('notifier', 'slack')).toThrow(/unknown notifier plugin "slack"; known: \(none registered\)/);
  });
});
