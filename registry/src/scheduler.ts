/**
 * Decides when to retrain one line and hands the result to the registry as its challenger. It holds only
 * bounded windows of what it observed; the decision itself is the pure triggers in triggers.ts. The
 * retrain is a callback (the backend runs it in a worker thread); at most one runs per line, and after
 * one fires no other starts before `cooldownMs`, so a noisy trigger cannot queue retrains back to back.
 */
import { HOUR, type FeatureVector, type Outcome, type SerializedModel } from '@satcast/core';
import type { ModelRegistry } from './registry.js';
import {
  coverageTrigger, driftTrigger, regimeTrigger, scheduleTrigger,
  type CoverageTriggerConfig, type DriftTriggerConfig, type RegimeTriggerConfig, type ScheduleConfig, type TriggerResult,
} from './triggers.js';
import type { CardInput, LineKey, ModelVersionWithStage } from './types.js';

export interface RetrainRequest {
  line: LineKey;
  at: number;
  /** The triggers that fired, with their numbers. */
  reasons: TriggerResult[];
  /** The champion at the time, to warm-start from and to record as the new version's parent. */
  parent?: string;
}

export interface RetrainResult {
  artifact: SerializedModel;
  card: CardInput;
  /** Training-time feature samples; become the drift reference for the next checks. */
  reference?: Record<string, number[]>;
}

export interface RetrainSchedulerOptions {
  registry: ModelRegistry;
  line: LineKey;
  retrain: (req: RetrainRequest) => Promise<RetrainResult>;
  now: () => number;
  /** Training distribution per feature for the drift test. */
  reference?: Record<string, number[]>;
  coverage?: CoverageTriggerConfig | false;
  drift?: (DriftTriggerConfig & { window?: number }) | false;
  schedule?: ScheduleConfig | false;
  regime?: RegimeTriggerConfig | false;
  /** Minimum time between two retrains (default 6 h). The schedule still fires once per slot. */
  cooldownMs?: number;
}

export interface TickResult {
  at: number;
  triggers: TriggerResult[];
  action: 'none' | 'skipped' | 'retrained' | 'failed';
  reason: string;
  registered?: ModelVersionWithStage;
}

/** Append to a bounded window, dropping the oldest. */
function push<T>(buf: T[], v: T, cap: number): void {
  buf.push(v);
  if (buf.length > cap) buf.splice(0, buf.length - cap);
}

/**
 * @example
 * const sched = new RetrainScheduler({ registry, line, now: Date.now, retrain: (req) => pool.run(req) });
 * bus.on('outcome', (o) => sched.observeOutcome(o)); setInterval(() => void sched.tick(), 60_000);
 */
export class RetrainScheduler {
  private readonly o: RetrainSchedulerOptions;
  private readonly outcomes: Outcome[] = [];
  private readonly features = new Map<string, number[]>();
  private readonly returns: number[] = [];
  private lastClose: number | undefined;
  private lastRunAt: number;
  private lastRetrainAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<TickResult> | undefined;
  reference: Record<string, number[]>;

  constructor(opts: RetrainSchedulerOptions) {
    this.o = opts;
    this.reference = opts.reference ?? {};
    // A fresh scheduler waits for the next slot rather than retraining the moment it starts.
    this.lastRunAt = opts.now();
  }

  private get outcomeCap() {
    return this.o.coverage === false ? 0 : (this.o.coverage?.window ?? 500);
  }
  private get featureCap() {
    return this.o.drift === false ? 0 : (this.o.drift?.window ?? 500);
  }
  private get returnCap() {
    const r = this.o.regime === false ? undefined : this.o.regime;
    return (r?.window ?? 24) * 2 + (r?.trailing ?? 720);
  }

  /** A scored outcome of the line's served (champion) version; the host filters by `modelVersion`. */
  observeOutcome(o: Outcome): void {
    if (o.asset === this.o.line.asset && o.horizon === this.o.line.horizon) push(this.outcomes, o, this.outcomeCap);
  }

  observeFeatures(v: FeatureVector): void {
    if (v.asset !== this.o.line.asset || this.featureCap === 0) return;
    for (const [name, x] of Object.entries(v.values)) {
      if (x === null || !(name in this.reference)) continue;
      let buf = this.features.get(name);
      if (!buf) this.features.set(name, (buf = []));
      push(buf, x, this.featureCap);
    }
  }

  /** A closed bar's price; log returns feed the regime trigger. */
  observeClose(price: number): void {
    if (this.lastClose !== undefined && price > 0 && this.lastClose > 0) push(this.returns, Math.log(price / this.lastClose), this.returnCap);
    this.lastClose = price;
  }

  /** Evaluate every enabled trigger now (pure given the windows). */
  evaluate(now = this.o.now()): TriggerResult[] {
    const out: TriggerResult[] = [];
    if (this.o.coverage !== false) out.push(coverageTrigger(this.outcomes, this.o.coverage));
    if (this.o.drift !== false) out.push(driftTrigger(this.reference, Object.fromEntries(this.features), this.o.drift));
    if (this.o.schedule !== false) out.push(scheduleTrigger(now, this.lastRunAt, this.o.schedule));
    if (this.o.regime !== false) out.push(regimeTrigger(this.returns, this.o.regime));
    return out;
  }

  /** Decide, and if a trigger fires, retrain and register the result as challenger. Every firing is logged. */
  async tick(): Promise<TickResult> {
    const at = this.o.now();
    if (this.inFlight) return { at, triggers: [], action: 'skipped', reason: 'a retrain is already running' };
    const triggers = this.evaluate(at);
    const fired = triggers.filter((t) => t.fire);
    if (fired.length === 0) return { at, triggers, action: 'none', reason: 'no trigger fired' };
    const { registry, line } = this.o;
    const numbers = Object.fromEntries(fired.map((t) => [t.trigger, t.numbers]));
    const scheduled = fired.some((t) => t.trigger === 'schedule');
    if (scheduled) this.lastRunAt = at;
    const cooldown = this.o.cooldownMs ?? 6 * HOUR;
    if (!scheduled && at - this.lastRetrainAt < cooldown) {
      const reason = `skipped (cooldown until ${new Date(this.lastRetrainAt + cooldown).toISOString()}): ${fired.map((t) => t.reason).join('; ')}`;
      await registry.log(line, { at, action: 'retrain', reason, numbers: { outcome: 'skipped', fired: fired.map((t) => t.trigger), ...numbers } });
      return { at, triggers, action: 'skipped', reason };
    }
    this.lastRetrainAt = at;
    const run = this.runRetrain(at, triggers, fired, numbers);
    this.inFlight = run;
    try {
      return await run;
    } finally {
      this.inFlight = undefined;
    }
  }

  private async runRetrain(at: number, triggers: TriggerResult[], fired: TriggerResult[], numbers: Record<string, unknown>): Promise<TickResult> {
    const { registry, line } = this.o;
    const why = fired.map((t) => `${t.trigger}: ${t.reason}`).join('; ');
    const parent = await registry.resolveVersion(line, 'champion');
    await registry.log(line, { at, action: 'retrain', reason: `started — ${why}`, numbers: { outcome: 'started', fired: fired.map((t) => t.trigger), ...numbers }, ...(parent ? { fromVersion: parent } : {}) });
    try {
      const result = await this.o.retrain({ line, at, reasons: fired, ...(parent ? { parent } : {}) });
      const registered = await registry.register({
        ...line, artifact: result.artifact, card: result.card, alias: 'challenger', actor: 'retrain',
        reason: `retrained (${fired.map((t) => t.trigger).join(', ')})`, numbers: { fired: fired.map((t) => t.trigger) }, ...(parent ? { parent } : {}),
      });
      if (result.reference) this.reference = result.reference;
      return { at, triggers, action: 'retrained', reason: why, registered };
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      await registry.log(line, { action: 'retrain', reason: `failed: ${msg}`, numbers: { outcome: 'failed', fired: fired.map((t) => t.trigger) } });
      return { at, triggers, action: 'failed', reason: msg };
    }
  }
}
