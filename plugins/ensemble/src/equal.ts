/**
 * The reference ensemble: the plain mean of whatever member forecasts are present.
 */
import type { ReturnForecast } from '@satcast/core';
import { combine, fail, usable, type MemberForecasts } from './common.js';

/**
 * Equal-weight mean of member forecasts: quantiles averaged per level (then sorted), point averaged,
 * pUp the mean probability (linear pool, the textbook reference). Absent or non-finite members are
 * skipped; `info` is `{ method: 'equal', weights }`.
 * @example
 * const f = equalWeight({ gbdt: fg, ridge: fr });   // or equalWeight([fg, fr])
 */
export function equalWeight(forecasts: MemberForecasts | readonly (ReturnForecast | undefined)[]): ReturnForecast {
  if (!forecasts || typeof forecasts !== 'object') fail('forecasts', 'must be an array or object of member forecasts');
  const byName: Record<string, ReturnForecast | undefined> = Array.isArray(forecasts)
    ? Object.fromEntries(forecasts.map((f, i) => [String(i), f]))
    : { ...(forecasts as MemberForecasts) };
  const present = Object.keys(byName).filter((m) => usable(byName[m]));
  if (present.length === 0) fail('forecasts', 'no usable member forecast (all absent or non-finite)');
  const { forecast, used } = combine(byName, present, {}, 'linear');
  return { ...forecast, info: { method: 'equal', weights: used } };
}
