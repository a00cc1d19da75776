/**
 * Alert → e-mail: a subject that sorts well in an inbox (`[satcast] [WARNING] Title`), a plain-text body
 * and a minimal HTML body (escaped), and a stable `Message-ID` derived from the alert so the same alert
 * sent twice is one message to mail systems that deduplicate by Message-ID.
 */
import type { Alert } from '@satcast/core';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface MailParts {
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers: Record<string, string>;
}

export function toMail(alert: Alert, o: { subjectPrefix: string; domain: string }): MailParts {
  const state = alert.status === 'resolved' ? 'RESOLVED' : alert.severity.toUpperCase();
  const labels = Object.entries(alert.labels);
  const when = new Date(alert.createdAt).toISOString();
  const text = [
    alert.message,
    '',
    ...labels.map(([k, v]) => `${k}: ${v}`),
    `rule: ${alert.rule}`,
    `dedup key: ${alert.dedupKey}`,
    `raised at: ${when}`,
  ].join('\n');
  const html = `<h2>${esc(`${state}: ${alert.title}`)}</h2><p>${esc(alert.message).replace(/\n/g, '<br>')}</p><table>${[...labels, ['rule', alert.rule], ['dedup key', alert.dedupKey], ['raised at', when]]
    .map(([k, v]) => `<tr><th align="left">${esc(k!)}</th><td>${esc(v!)}</td></tr>`)
    .join('')}</table>`;
  const local = `${alert.id}.${alert.status}`.replace(/[^A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]/g, '_').slice(0, 200);
  return {
    subject: `${o.subjectPrefix} [${state}] ${alert.title}`.trim(),
    text,
    html,
    messageId: `<${local}@${o.domain}>`,
    headers: { 'X-Satcast-Alert-Id': alert.id, 'X-Satcast-Dedup-Key': alert.dedupKey, 'X-Satcast-Severity': alert.severity, 'X-Satcast-Status': alert.status },
  };
}
