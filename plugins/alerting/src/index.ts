/**
 * @module @satcast/plugin-alerting
 * Monitoring and alerting for Satcast, runtime-neutral (Node and workerd), no timers inside:
 *
 * - `RuleEngine` + `defaultOperatorRules()` — rules with severity, dedup keys, for-duration and hysteresis;
 *   `evaluate(snapshot, now)` returns fire/resolve events; `routeEvents` groups them per channel and
 *   `dispatch` delivers them with `DeliveryRecord`s;
 * - `UserRuleEvaluator` — users' alert rules (`/api/v1/alerts`) on each new prediction;
 * - monitors — `ksTest`, `psi`, `missingRatio`, `freshness`, `zScore`;
 * - notifier building blocks — `createChannel` (dedup, per-channel rate limit, secret redaction, health),
 *   `httpOnce`/`throwForStatus`, `requireSecret`; used by the slack, email, sms and pagerduty plugins;
 * - `METRIC_NAMES` — every metric the Grafana dashboard and Prometheus rules in `deploy/` may use.
 */
export * from './notify/secrets.js';
export * from './notify/rate.js';
export * from './notify/ledger.js';
export * from './notify/http.js';
export * from './notify/channel.js';
export * from './rules/engine.js';
export * from './rules/defaults.js';
export * from './rules/route.js';
export * from './rules/dispatch.js';
export * from './rules/user.js';
export * from './monitors/ks.js';
export * from './monitors/psi.js';
export * from './monitors/quality.js';
export * from './metrics.js';
