/**
 * `satcast tune`: a small study end to end on real candles (ridge, 3 folds, ~3000 bars before `to`):
 * the JSONL study file, resume after an interrupt, refusal of a mismatched header, and that the
 * objective reads nothing at or after `to`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seededRandom } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import type { TrialRecord } from '@satcast/plugin-automl';
import { loadHistory, type History } from '../src/backtest/history.js';
import { registerTune } from '../src/commands/tune.js';
import { builtinRegistry } from '../src/plugins.js';
import { prepareTune, runTune, type TuneOptions } from '../src/tune/run.js';
import { quietLog, tempDir, testConfig, writeCandlesCsv } from './helpers.js';

const FROM = Date.UTC(2018, 6, 1);
const TO = Date.UTC(2019, 0, 1);
const END = Date.UTC(2019, 2, 1);
const dir = tempDir();
const csv = writeCandlesCsv(dir, FROM, END);
const config = testConfig(dir, csv);
const registry = builtinRegistry();
const base: TuneOptions = { model: 'ridge', horizon: '4h', trials: 6, folds: 3, windowBars: 3000, to: TO, seed: 3, log: quietLog };
let history: History;

const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
const trialsOf = (path: string) => lines(path).slice(1) as unknown as TrialRecord[];

beforeAll(async () => {
  history = await loadHistory(config, quietLog);
}, 120_000);
afterAll(() => vi.restoreAllMocks());

describe('satcast tune', () => {
  let first: TrialRecord[];

  it('runs a small study: header + one fsynced line per trial, best.json with a config snippet', async () => {
    const studyPath = join(dir, 'a.jsonl');
    const r = await runTune(config, registry, history, { ...base, studyPath });
    expect(r).toMatchObject({ stoppedBy: 'trials', ran: 6, resumed: 0 });
    const [header, ...rest] = lines(studyPath);
    expect(header).toMatchObject({ kind: 'satcast-tune-study', model: 'ridge', plugin: 'ridge', horizon: '4h', to: TO, seed: 3, folds: 3, objective: 'cv-z-pinball' });
    expect(Object.keys(header!.space as object).sort()).toEqual(['alpha', 'clip']);
    first = rest as unknown as TrialRecord[];
    expect(first.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5]);
    // Trial 0 is the baseline: the model's configured (here default) options.
    expect(first[0]!.params).toEqual({ alpha: 1, clip: 5 });
    expect(r.baseline?.number).toBe(0);
    for (const t of first.filter((x) => x.state === 'complete')) {
      expect(t.value).toBeGreaterThan(0);
      expect(t.intermediate.map(([s]) => s)).toEqual([0, 1, 2]);
    }
    // Rows read end before `to`, the newest 3000 of them.
    expect(r.rows.to).toBeLessThan(TO);
    expect(r.rows.n).toBe(3000);
    const best = JSON.parse(readFileSync(r.bestPath!, 'utf8')) as { value: number; params: Record<string, number>; config: { plugin: string; options: Record<string, unknown> } };
    expect(best.value).toBe(Math.min(...first.filter((t) => t.state === 'complete').map((t) => t.value!)));
    expect(best.config.plugin).toBe('ridge');
    expect(best.config.options.alpha).toBe(best.params.alpha);
    console.log(`tune ridge 4h, 6 trials: best z-pinball ${best.value.toFixed(5)} (values ${first.map((t) => t.value?.toFixed(5)).join(', ')})`);
  });

  it('resumes after an interrupt: finished trials kept, the running one discarded, numbering continues, same suggestions', async () => {
    const studyPath = join(dir, 'b.jsonl');
    const ac = new AbortController();
    let finished = 0;
    // The interrupt arrives as trial 3 starts (its first clock reading): mid-trial, before any fold ends.
    const r1 = await runTune(config, registry, history, {
      ...base,
      trials: 8,
      studyPath,
      signal: ac.signal,
      onTrial: () => finished++,
      clock: () => {
        if (finished === 3) ac.abort();
        return Date.now();
      },
    });
    expect(r1).toMatchObject({ stoppedBy: 'abort', ran: 3 });
    const kept = trialsOf(studyPath);
    expect(kept.map((t) => t.number)).toEqual([0, 1, 2]);
    const r2 = await runTune(config, registry, history, { ...base, trials: 8, studyPath });
    expect(r2).toMatchObject({ stoppedBy: 'trials', ran: 5, resumed: 3 });
    const all = trialsOf(studyPath);
    expect(all.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(all.slice(0, 3)).toEqual(kept);
    // Same seed, same stored trials: trials 0-5 match the uninterrupted study of the first test.
    expect(all.slice(0, 6).map((t) => t.params)).toEqual(first.map((t) => t.params));
    expect(all.slice(0, 6).map((t) => t.value)).toEqual(first.map((t) => t.value));
  });

  it('a study line cut short by a crash is skipped and the next trial starts a line of its own', async () => {
    const studyPath = join(dir, 'torn.jsonl');
    const p = prepareTune(config, registry, { ...base, studyPath });
    p.storage.append(first[0]!);
    writeFileSync(studyPath, readFileSync(studyPath, 'utf8') + JSON.stringify(first[1]).slice(0, 40));
    const again = prepareTune(config, registry, { ...base, studyPath });
    expect(again.storage.load()).toEqual([first[0]]);
    expect(again.storage.skipped).toBe(1);
    again.storage.append(first[1]!);
    expect(prepareTune(config, registry, { ...base, studyPath }).storage.load()).toEqual([first[0], first[1]]);
  });

  it('refuses a re-run with another --to, seed or search space, naming what changed', async () => {
    const studyPath = join(dir, 'a.jsonl');
    await expect(runTune(config, registry, history, { ...base, studyPath, to: TO - 86_400_000 })).rejects.toThrow(/other settings \(to: 2019-01-01T00:00:00.000Z there, 2018-12-31T00:00:00.000Z now\)/);
    await expect(runTune(config, registry, history, { ...base, studyPath, seed: 4 })).rejects.toThrow(/seed: 3 there, 4 now/);
    await expect(runTune(config, registry, history, { ...base, studyPath, space: { alpha: { type: 'float', low: 1, high: 10 } } })).rejects.toThrow(/search space changed/);
    await expect(runTune(config, registry, history, { ...base, studyPath, model: 'nope' })).rejects.toThrow(/--model: unknown model "nope"/);
    await expect(runTune(config, registry, history, { ...base, model: 'persistence' })).rejects.toThrow(/no search space for model plugin "persistence"/);
    // The refused runs did not touch the file.
    expect(trialsOf(studyPath)).toEqual(first);
  });

  it('reads only rows before --to: corrupted prices after it give the same trial results', async () => {
    const rnd = seededRandom(5);
    const rows = loadBtcHourly({ from: FROM, to: END }).map((c) => {
      // Every bar opened at or after `to` is scaled (OHLC together, so the candles stay valid).
      const f = c.openTime >= TO ? 0.5 + rnd() : 1;
      return `${c.openTime},${c.open * f},${c.high * f},${c.low * f},${c.close * f},${c.volume}`;
    });
    const bad = join(dir, 'corrupt.csv.gz');
    writeFileSync(bad, gzipSync(`ts,open,high,low,close,volume\n${rows.join('\n')}\n`));
    const badHistory = await loadHistory(testConfig(dir, bad), quietLog);
    expect(badHistory.close.at(-1)).not.toBe(history.close.at(-1));
    const studyPath = join(dir, 'c.jsonl');
    await runTune(config, registry, badHistory, { ...base, studyPath });
    const got = trialsOf(studyPath);
    expect(got.map((t) => [t.params, t.value, t.intermediate])).toEqual(first.map((t) => [t.params, t.value, t.intermediate]));
    // The check can fail: with a later `to` the corrupted bars are read and the values move.
    const later = { ...base, trials: 1, to: END - 7 * 86_400_000 };
    const clean = await runTune(config, registry, history, { ...later, studyPath: join(dir, 'd1.jsonl') });
    const dirty = await runTune(config, registry, badHistory, { ...later, studyPath: join(dir, 'd2.jsonl') });
    expect(dirty.best!.value).not.toBe(clean.best!.value);
  });

  it('the CLI command runs, prints the `to` rule and the best options, and resumes', async () => {
    const file = join(dir, 'satcast.config.json');
    writeFileSync(file, JSON.stringify({ store: { url: `file:${join(dir, 'cli.db')}` }, sources: [{ plugin: 'csv', options: { path: csv } }], features: [{ plugin: 'ta' }], models: [{ plugin: 'persistence' }, { id: 'r', plugin: 'ridge', options: { alpha: 3 } }], servedModel: 'persistence', server: { port: 0 } }));
    const out: string[] = [];
    const logSpy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const run = async (...args: string[]) => {
      const program = new Command().exitOverride();
      registerTune(program);
      await program.parseAsync(['node', 'satcast', 'tune', '-c', file, '--model', 'r', '--horizon', '4h', '--folds', '3', '--window', '3000', ...args]);
    };
    try {
      await run('--trials', '2');
      await run('--trials', '3');
    } finally {
      logSpy.mockRestore();
      errSpy.mockRestore();
    }
    const text = out.join('\n');
    expect(text).toMatch(/only rows issued before 2019-01-01T00:00:00.000Z \(--to, default: the start of the backtest period\)/);
    expect(text).not.toMatch(/note: --to is after/);
    expect(text).toMatch(/3 trials in the study \(2 resumed, 1 run now/);
    expect(text).toMatch(/"plugin": "ridge"/);
    expect(text).toMatch(/configured options, trial 0: /);
    // Default study path: beside the configured file store.
    const studyPath = join(dir, 'tune', 'r-4h.jsonl');
    expect(existsSync(studyPath)).toBe(true);
    expect(existsSync(join(dir, 'tune', 'r-4h.best.json'))).toBe(true);
    expect((lines(studyPath)[0]!.baseOptions as { alpha: number }).alpha).toBe(3);
    expect(trialsOf(studyPath)).toHaveLength(3);
    expect(trialsOf(studyPath)[0]!.params.alpha).toBe(3);
  });
});
