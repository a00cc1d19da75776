/**
 * @module @satcast/plugin-onchain
 * Bitcoin on-chain features from Coin Metrics community daily metrics (source `coinmetrics`, series = the
 * metric id). A day's metrics are published the next day (`availableAt = eventTime + 30 h`, core's
 * `COINMETRICS_LAG_MS`); the host's point-in-time join guarantees an hourly row never sees a day before
 * that. Every feature is a change, ratio or z-score, never a raw count, so it transfers across eras.
 * Windows count bars (168 = one week, 720 = 30 days of hourly bars).
 */
import { z } from 'zod';
import {
  ageHours,
  COINMETRICS_LAG_MS,
  defineFeatureSet,
  fromKernels,
  level,
  logChange,
  change,
  obsValue,
  observationKey,
  OBSERVATION_SOURCES,
  seriesKernel,
  smaRatio,
  zscore,
  type FeatureInfo,
  type RowSource,
} from '@satcast/core';

export const optionsSchema = z.strictObject({
  /** Bars of the change window (168 = one week of hourly bars). */
  changeRows: z.number().int().min(24).max(10_000).default(168),
  /** Bars of the z-score window (720 = 30 days of hourly bars). */
  zRows: z.number().int().min(48).max(10_000).default(720),
});
export type OnchainOptions = z.output<typeof optionsSchema>;

/** Coin Metrics metric ids read by this set (exactly as in the CSV header and the API). */
export const METRICS = [
  'AdrActCnt',
  'TxCnt',
  'FeeTotNtv',
  'HashRate',
  'CapMVRVCur',
  'CapMrktCurUSD',
  'volume_reported_spot_usd_1d',
  'FlowInExNtv',
  'FlowOutExNtv',
  'SplyExNtv',
  'SplyCur',
] as const;
type Metric = (typeof METRICS)[number];

const key = (m: Metric) => observationKey(OBSERVATION_SOURCES.coinMetrics, m);
const v = (m: Metric): RowSource => obsValue(key(m));
const f = (name: string, lookback: number, description: string, metrics: Metric[]): FeatureInfo => ({ name, description, lookback, inputs: metrics.map(key) });

function specs(o: OnchainOptions) {
  const { changeRows: c, zRows: z } = o;
  const feePerTx: RowSource = (b) => v('FeeTotNtv')(b) / v('TxCnt')(b);
  const nvtLike: RowSource = (b) => Math.log(v('CapMrktCurUSD')(b) / v('volume_reported_spot_usd_1d')(b));
  return [
    seriesKernel([
      logChange(f(`oc_active_addr_logchg_${c}`, c, `log change of active addresses over ${c} bars`, ['AdrActCnt']), v('AdrActCnt'), c),
      zscore(f(`oc_active_addr_z_${z}`, z - 1, `z-score of log active addresses within ${z} bars`, ['AdrActCnt']), v('AdrActCnt'), z, true),
      logChange(f(`oc_tx_logchg_${c}`, c, `log change of transaction count over ${c} bars`, ['TxCnt']), v('TxCnt'), c),
      zscore(f(`oc_tx_z_${z}`, z - 1, `z-score of log transaction count within ${z} bars`, ['TxCnt']), v('TxCnt'), z, true),
      zscore(f(`oc_fee_per_tx_z_${z}`, z - 1, `z-score of log(total fees / transactions) within ${z} bars`, ['FeeTotNtv', 'TxCnt']), feePerTx, z, true),
      logChange(f(`oc_fees_logchg_${c}`, c, `log change of total fees (BTC) over ${c} bars`, ['FeeTotNtv']), v('FeeTotNtv'), c),
      logChange(f(`oc_hashrate_logchg_${c}`, c, `log change of hash rate over ${c} bars`, ['HashRate']), v('HashRate'), c),
      smaRatio(f('oc_hash_ribbon', 719, 'hash ribbon: log(SMA 168 / SMA 720 bars) of hash rate (miner capitulation when negative)', ['HashRate']), v('HashRate'), 168, 720),
      level(f('oc_mvrv', 0, 'MVRV ratio (market cap / realised cap), dimensionless', ['CapMVRVCur']), v('CapMVRVCur')),
      change(f(`oc_mvrv_chg_${c}`, c, `change of MVRV over ${c} bars`, ['CapMVRVCur']), v('CapMVRVCur'), c),
      level(f('oc_nvt_like_log', 0, 'log(market cap / reported spot volume): an NVT-like ratio (exchange volume stands in for on-chain transfer value, not in the data)', ['CapMrktCurUSD', 'volume_reported_spot_usd_1d']), nvtLike),
      zscore(f(`oc_nvt_like_z_${z}`, z - 1, `z-score of the NVT-like ratio within ${z} bars`, ['CapMrktCurUSD', 'volume_reported_spot_usd_1d']), nvtLike, z),
      level(f('oc_exch_netflow_ratio', 0, '(exchange inflow - outflow) / exchange supply, per day', ['FlowInExNtv', 'FlowOutExNtv', 'SplyExNtv']), (b) => (v('FlowInExNtv')(b) - v('FlowOutExNtv')(b)) / v('SplyExNtv')(b)),
      level(f('oc_exch_supply_share', 0, 'share of the supply held on exchanges', ['SplyExNtv', 'SplyCur']), (b) => v('SplyExNtv')(b) / v('SplyCur')(b)),
      logChange(f(`oc_exch_supply_logchg_${c}`, c, `log change of exchange-held supply over ${c} bars`, ['SplyExNtv']), v('SplyExNtv'), c),
      ageHours(f('oc_age_h', 0, 'hours since the start of the day the on-chain values in use describe (>= 30 by publication lag)', ['AdrActCnt']), key('AdrActCnt')),
    ]),
  ];
}

export default defineFeatureSet<OnchainOptions>({
  name: 'onchain',
  apiVersion: 1,
  description: 'on-chain activity, fees, hash rate, MVRV, NVT-like and exchange-flow features (Coin Metrics, point-in-time)',
  optionsSchema,
  inputs: [{ kind: 'candles', interval: '1h' }, ...METRICS.map((m) => ({ kind: 'observations' as const, source: OBSERVATION_SOURCES.coinMetrics, series: m }))],
  publicationLag: COINMETRICS_LAG_MS,
  ...fromKernels(specs),
});
