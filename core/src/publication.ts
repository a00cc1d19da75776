/**
 * Publication lags: when each observation series becomes public relative to the period it describes
 * (`availableAt = eventTime + lag`). One place for the constants, shared by the source plugins that stamp
 * `availableAt`, the feature plugins that declare `publicationLag`, and the tests that build observations
 * from the bundled files. Change a lag here and every producer and consumer moves together.
 */
import { DAY, HOUR } from './time.js';

/**
 * Crypto Fear & Greed (alternative.me), source `fear-greed`, series `fng`, value 0-100. The index for day D
 * is computed from day D-1's data and published at 00:00 UTC of D, and its timestamp is that publication
 * moment, so `availableAt = eventTime` (lag 0). It is NOT eventTime + 1 day: that would throw away a day of
 * real information; nor earlier: nothing of day D is known before D starts.
 */
export const FNG_LAG_MS = 0;

/**
 * Coin Metrics community daily metrics, source `coinmetrics`, series = the metric id (`AdrActCnt`, ...).
 * A day's row (eventTime = 00:00 UTC of the day) is complete only after the day ends and is published the
 * next morning: `availableAt = eventTime + 1 day + 6 h`.
 */
export const COINMETRICS_LAG_MS = DAY + 6 * HOUR;

/**
 * Daily macro closes (FRED/Yahoo/CBOE), source `fred`, series `spx`, `dxy`, `us10y`, `vix` (and `gold`),
 * eventTime = 00:00 UTC of the trading date. The close is known after the US session ends (21:00-22:00
 * UTC): `availableAt = eventTime + 22 h`.
 */
export const MACRO_LAG_MS = 22 * HOUR;

/** Source names used by the observation feature plugins (and the sources that feed them). */
export const OBSERVATION_SOURCES = { fearGreed: 'fear-greed', coinMetrics: 'coinmetrics', macro: 'fred' } as const;
