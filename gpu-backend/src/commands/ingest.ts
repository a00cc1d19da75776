import { InvalidArgumentError, type Command } from 'commander';
import { toIso } from '@satcast/core';
import { BannedError } from '@satcast/plugin-binance';
import { loadConfig } from '../config.js';
import { startIngest, type Ingest, type IngestOptions } from '../ingest/run.js';
import type { BackfillSummary } from '../ingest/backfill.js';
import { BUS_ADAPTERS, type BusAdapter } from '../ingest/bus.js';
import { parseTimeArg } from './util.js';
import { progressBar } from './progress.js';

/** Exit code when a source's provider banned this IP (HTTP 418): retrying earlier would extend the ban. */
export const EXIT_BANNED = 3;

interface IngestFlags {
  config?: string;
  source?: string[];
  from?: number;
  to?: number;
  bus?: BusAdapter;
  busUrl?: string;
}

function busAdapter(v: string): BusAdapter {
  if (!(BUS_ADAPTERS as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected one of ${BUS_ADAPTERS.join(', ')}`);
  return v as BusAdapter;
}

const collect = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

function summaryLine(s: BackfillSummary): string {
  if (s.skipped) return `[satcast] ${s.source}: nothing to backfill (${s.skipped})`;
  return `[satcast] ${s.source}: ${toIso(s.from)} .. ${toIso(s.to)} in ${s.chunks} chunk(s): ${s.inserted} new, ${s.updated} revised, ${s.unchanged} unchanged, ${s.quarantined} quarantined`;
}

/** Run a backfill (and with `live`, the feed) with a progress line per chunk; a 418 ban exits with code 3. */
async function run(flags: IngestFlags, live: boolean): Promise<Ingest | undefined> {
  const { config, origin } = await loadConfig({ path: flags.config });
  console.log(`[satcast] config: ${origin}; store: ${config.store.url}`);
  const bars = new Map<string, ReturnType<typeof progressBar>>();
  const opts: IngestOptions = {
    sources: flags.source,
    from: flags.from,
    to: flags.to,
    live,
    ...(flags.bus ? { busChoice: { adapter: flags.bus, ...(flags.busUrl ? { url: flags.busUrl } : {}) } } : {}),
    onProgress: (p) => {
      const bar = bars.get(p.source) ?? bars.set(p.source, progressBar(`backfill ${p.source}`)).get(p.source)!;
      bar.update(p.fraction, 1, `to ${toIso(p.chunkTo).slice(0, 16)} +${p.inserted} q${p.quarantined}`);
    },
  };
  try {
    const ingest = await startIngest(config, opts);
    for (const bar of bars.values()) bar.done();
    for (const s of ingest.backfill) console.log(summaryLine(s));
    return ingest;
  } catch (err) {
    for (const bar of bars.values()) bar.done();
    if (err instanceof BannedError) {
      console.error(`[satcast] [${err.plugin ?? 'source'}] banned by the provider (HTTP 418) until ${toIso(err.until)}; not retrying before then (${Math.ceil((err.retryAfterMs ?? 0) / 1000)} s)`);
      process.exit(EXIT_BANNED);
    }
    throw err;
  }
}

/**
 * `satcast ingest backfill [--source id] [--from ISO] [--to ISO]` and `satcast ingest run`: fill the store
 * from the configured sources (resuming after the newest stored record), then optionally stay on the live
 * feed until SIGINT/SIGTERM.
 */
export function registerIngest(program: Command): void {
  const ingest = program.command('ingest').description('backfill the store from the configured sources, or run the live feed into it');
  const common = (c: Command) =>
    c
      .option('-c, --config <file>', 'config file; default: first found in cwd, else embedded defaults')
      .option('-s, --source <id>', 'source id to ingest (repeatable or comma-separated); default all configured', collect)
      .option('--from <time>', 'earliest time wanted (ISO date or epoch ms); the backfill starts at max(--from, newest stored + 1 interval)', parseTimeArg);
  common(ingest.command('backfill'))
    .description('fetch history in 30-day chunks into the store (idempotent; invalid rows to quarantine)')
    .option('--to <time>', 'end of the backfill (exclusive, ISO date or epoch ms); default now', parseTimeArg)
    .action(async (flags: IngestFlags) => {
      const r = await run(flags, false);
      await r?.close();
    });
  common(ingest.command('run'))
    .description('backfill, then subscribe every source (native stream or polling) through the bus into the store until SIGINT/SIGTERM')
    .option('--bus <adapter>', `bus for this process: ${BUS_ADAPTERS.join(', ')} (default: the configured bus, memory)`, busAdapter)
    .option('--bus-url <url>', 'redis-streams: redis://host:port (default redis://127.0.0.1:6379); kafka: host:9092[,host:9092] (default $KAFKA_BROKERS)')
    .action(async (flags: IngestFlags) => {
      const r = await run(flags, true);
      if (!r) return;
      console.log(`[satcast] live on the ${flags.bus ?? 'configured (memory)'} bus: ${r.health().map((h) => `${h.id} (${h.state})`).join(', ')}; Ctrl-C to stop`);
      const stop = async (signal: string) => {
        console.log(`[satcast] ${signal}: stopping ingestion`);
        for (const h of r.health()) console.log(`[satcast] ${h.id}: state ${h.state}, errors ${h.errors}, rejected ${JSON.stringify(h.rejected ?? {})}`);
        await r.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });
}
