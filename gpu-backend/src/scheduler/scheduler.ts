/**
 * Time-driven jobs of the backend on `croner` (UTC). Bar-driven work (ingest → features → predictions →
 * scoring) runs when a closed bar arrives through the bus; the schedule covers what must also happen when
 * no bar arrives, and the daily slots:
 *
 *   score-outcomes   every minute     score predictions whose target bar has closed
 *   source-watchdog  every minute     flag sources whose newest event is older than 2 bars (health)
 *   retrain-slot     03:00 UTC daily  the retraining slot (the retrain itself comes with the model registry)
 *
 * A job never overlaps itself (`protect`), and its errors are logged, not thrown into the timer.
 */
import { Cron } from 'croner';
import type { Logger } from '@satcast/core';

export interface JobSpec {
  name: string;
  /** Cron pattern in UTC (seconds optional), e.g. `0 3 * * *`. */
  pattern: string;
  run(): Promise<void> | void;
}

export interface JobStatus {
  name: string;
  pattern: string;
  nextRun: string | null;
  lastRun: string | null;
  lastError: string | null;
  runs: number;
}

export interface Scheduler {
  status(): JobStatus[];
  /** Run a job now (tests, operators). */
  trigger(name: string): Promise<void>;
  stop(): void;
}

export function createScheduler(jobs: readonly JobSpec[], log: Logger): Scheduler {
  const state = new Map<string, { spec: JobSpec; cron: Cron; lastRun: Date | null; lastError: string | null; runs: number }>();
  for (const spec of jobs) {
    const entry = { spec, lastRun: null as Date | null, lastError: null as string | null, runs: 0, cron: undefined as unknown as Cron };
    const run = async () => {
      entry.lastRun = new Date();
      entry.runs++;
      try {
        await spec.run();
        entry.lastError = null;
      } catch (err) {
        entry.lastError = err instanceof Error ? err.message : String(err);
        log.error(`job ${spec.name} failed`, { error: entry.lastError });
      }
    };
    entry.cron = new Cron(spec.pattern, { timezone: 'UTC', protect: true, name: `satcast:${spec.name}:${Math.random()}` }, run);
    state.set(spec.name, entry);
  }
  return {
    status: () =>
      [...state.values()].map((e) => ({
        name: e.spec.name,
        pattern: e.spec.pattern,
        nextRun: e.cron.nextRun()?.toISOString() ?? null,
        lastRun: e.lastRun?.toISOString() ?? null,
        lastError: e.lastError,
        runs: e.runs,
      })),
    async trigger(name) {
      const e = state.get(name);
      if (!e) throw new Error(`no job named ${name}`);
      await e.cron.trigger();
    },
    stop() {
      for (const e of state.values()) e.cron.stop();
    },
  };
}
