/**
 * The built-in plugins the backend knows by name. Third-party plugins are added with
 * `registry.register(plugin)` or listed in the config's `plugins` imports (see examples/).
 */
import { createPluginRegistry, type AnyPlugin, type PluginRegistry } from '@satcast/core';
import csv from '@satcast/plugin-csv';
import binance from '@satcast/plugin-binance';
import fearGreed from '@satcast/plugin-fear-greed';
import coinmetrics from '@satcast/plugin-coinmetrics';
import cryptoquant from '@satcast/plugin-cryptoquant';
import fred from '@satcast/plugin-fred';
import ta from '@satcast/plugin-ta';
import time from '@satcast/plugin-time';
import sentiment from '@satcast/plugin-sentiment';
import onchain from '@satcast/plugin-onchain';
import macro from '@satcast/plugin-macro';
import persistence from '@satcast/plugin-persistence';
import ewmaBand from '@satcast/plugin-ewma-band';
import { gbdt, forest } from '@satcast/plugin-gbdt';
import { ridge, huber } from '@satcast/plugin-linear';
import { shock, garch, har } from '@satcast/plugin-shock';
import { withFeatureSelection } from '@satcast/plugin-automl';
import { lstm, transformer } from '@satcast/plugin-neural';

/** Models that choose their own inputs at each fit (prefilter + forward selection on purged CV of the training rows). */
const gbdtSfs = withFeatureSelection(gbdt, { maxFeatures: 40, prefilter: 80 });
const ridgeSfs = withFeatureSelection(ridge, { maxFeatures: 40, prefilter: 80 });
import webhook from '@satcast/plugin-webhook';
import slack from '@satcast/plugin-slack';
import email from '@satcast/plugin-email';
import sms from '@satcast/plugin-sms';
import pagerduty from '@satcast/plugin-pagerduty';

export const BUILTIN_PLUGINS: readonly AnyPlugin[] = [csv, binance, fearGreed, coinmetrics, cryptoquant, fred, ta, time, sentiment, onchain, macro, shock, persistence, ewmaBand, gbdt, forest, ridge, huber, garch, har, lstm, transformer, gbdtSfs, ridgeSfs, webhook, slack, email, sms, pagerduty];

export function builtinRegistry(extra: readonly AnyPlugin[] = []): PluginRegistry {
  return createPluginRegistry([...BUILTIN_PLUGINS, ...extra]);
}
