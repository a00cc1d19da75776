/**
 * The study file of `satcast tune`: JSON lines, a header then one finished trial per line, each written
 * and fsynced before the next trial starts, so Ctrl-C, SIGTERM or a crash lose at most the running trial.
 * The header pins what the trials mean (model, horizon, space, `to`, seed, folds): a re-run with any of
 * them changed is refused instead of mixing incomparable values.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '@satcast/core';
import type { SearchSpace, StudyStorage, TrialRecord } from '@satcast/plugin-automl';

export interface StudyHeader {
  kind: 'satcast-tune-study';
  version: 1;
  model: string;
  plugin: string;
  horizon: string;
  space: SearchSpace;
  /** Options every trial starts from (the configured ones or the plugin's defaults). */
  baseOptions: Record<string, unknown>;
  /** Issue times before this (epoch ms) are all the objective reads. */
  to: number;
  seed: number;
  folds: number;
  /** Objective name, so values are comparable. */
  objective: string;
  createdAt: string;
}

/** Header fields that must match for a study file to be resumed. */
const PINNED = ['model', 'plugin', 'horizon', 'space', 'baseOptions', 'to', 'seed', 'folds', 'objective'] as const;

function appendLine(path: string, line: string): void {
  const fd = openSync(path, 'a');
  try {
    writeSync(fd, `${line}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A StudyStorage on a JSONL file, checked against (or created with) `header`. */
export class JsonlStudyStorage implements StudyStorage {
  /** Lines that could not be parsed (a write cut short by a crash); skipped. */
  skipped = 0;

  constructor(readonly path: string, readonly header: StudyHeader) {
    if (!existsSync(path)) {
      mkdirSync(dirname(path), { recursive: true });
      appendLine(path, JSON.stringify(header));
      return;
    }
    const text = readFileSync(path, 'utf8');
    const first = text.split('\n', 1)[0] ?? '';
    let stored: Partial<StudyHeader>;
    try {
      stored = JSON.parse(first) as Partial<StudyHeader>;
    } catch {
      throw new ConfigError(`study file ${path}: first line is not a study header; pass another --study path`, { field: '--study' });
    }
    if (stored.kind !== 'satcast-tune-study') throw new ConfigError(`study file ${path} is not a satcast tune study; pass another --study path`, { field: '--study' });
    const differ = PINNED.filter((k) => JSON.stringify(stored[k]) !== JSON.stringify(header[k]));
    if (differ.length) {
      const show = (v: unknown, k: string) => (k === 'to' && typeof v === 'number' ? new Date(v).toISOString() : JSON.stringify(v));
      const what = (k: (typeof PINNED)[number]) => (k === 'space' || k === 'baseOptions' ? `${k === 'space' ? 'search space' : 'model options'} changed` : `${k}: ${show(stored[k], k)} there, ${show(header[k], k)} now`);
      throw new ConfigError(
        `study file ${path} was started with other settings (${differ.map(what).join('; ')}); its trials are not comparable. Use the same settings, another --study path, or delete the file to start over`,
        { field: '--study' },
      );
    }
    // A line cut short by a crash gets its newline, so the next trial starts a line of its own.
    if (!text.endsWith('\n')) appendLine(path, '');
  }

  load(): TrialRecord[] {
    const lines = readFileSync(this.path, 'utf8').split('\n').slice(1).filter((l) => l.trim() !== '');
    const out: TrialRecord[] = [];
    for (const l of lines) {
      try {
        out.push(JSON.parse(l) as TrialRecord);
      } catch {
        this.skipped++;
      }
    }
    return out;
  }

  append(record: TrialRecord): void {
    appendLine(this.path, JSON.stringify(record));
  }
}
