/**
 * Alert → Slack message. Incoming webhooks take `{ text, blocks }` (https://api.slack.com/messaging/webhooks):
 * `text` is the notification/fallback line, `blocks` the Block Kit layout. Trimmed example of what we send:
 *
 *   { "text": ":rotating_light: [WARNING] Low prediction confidence — 1h confidence 0.52 below 0.70",
 *     "blocks": [
 *       { "type": "header", "text": { "type": "plain_text", "text": ":rotating_light: Low prediction confidence", "emoji": true } },
 *       { "type": "section", "text": { "type": "mrkdwn", "text": "1h confidence 0.52 below 0.70" } },
 *       { "type": "section", "fields": [ { "type": "mrkdwn", "text": "*Severity*\nwarning" }, ... ] },
 *       { "type": "context", "elements": [ { "type": "mrkdwn", "text": "rule `low-confidence` · dedup `...`" } ] } ] }
 *
 * Limits from the Block Kit reference: header text 150 chars, section text 3000, at most 10 fields of
 * 2000 chars each. mrkdwn needs `&`, `<`, `>` escaped (Slack "Formatting text"), or `<...>` becomes a link.
 */
import type { Alert } from '@satcast/core';

export const escapeMrkdwn = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const cut = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

const ICON: Record<string, string> = { critical: ':rotating_light:', warning: ':warning:', info: ':information_source:', resolved: ':white_check_mark:' };

export interface SlackMessage {
  text: string;
  blocks: Array<Record<string, unknown>>;
  username?: string;
  icon_emoji?: string;
}

export function toSlackMessage(alert: Alert, o: { mentionOnCritical?: string; username?: string; iconEmoji?: string } = {}): SlackMessage {
  const resolved = alert.status === 'resolved';
  const icon = ICON[resolved ? 'resolved' : alert.severity];
  const state = resolved ? 'RESOLVED' : alert.severity.toUpperCase();
  const mention = !resolved && alert.severity === 'critical' && o.mentionOnCritical ? `${o.mentionOnCritical} ` : '';
  const labels = Object.entries(alert.labels);
  const fields = [
    { type: 'mrkdwn', text: `*Severity*\n${alert.severity}` },
    { type: 'mrkdwn', text: `*Status*\n${alert.status}` },
    ...labels.slice(0, 8).map(([k, v]) => ({ type: 'mrkdwn', text: cut(`*${escapeMrkdwn(k)}*\n${escapeMrkdwn(v)}`, 2000) })),
  ];
  return {
    text: cut(`${mention}${icon} [${state}] ${escapeMrkdwn(alert.title)} — ${escapeMrkdwn(alert.message)}`, 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: cut(`${icon} ${resolved ? 'Resolved: ' : ''}${alert.title}`, 150), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: cut(`${mention}${escapeMrkdwn(alert.message) || '_no details_'}`, 3000) } },
      { type: 'section', fields },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: cut(`rule \`${escapeMrkdwn(alert.rule)}\` · dedup \`${escapeMrkdwn(alert.dedupKey)}\` · <!date^${Math.floor(alert.createdAt / 1000)}^{date_short_pretty} {time}|${new Date(alert.createdAt).toISOString()}>`, 3000) }],
      },
    ],
    ...(o.username ? { username: o.username } : {}),
    ...(o.iconEmoji ? { icon_emoji: o.iconEmoji } : {}),
  };
}
