import type { Context } from 'hono';

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict',
  413: 'Payload Too Large', 426: 'Upgrade Required', 429: 'Too Many Requests', 502: 'Bad Gateway', 503: 'Service Unavailable',
};

/** RFC 9457 problem details, the same shape the backend returns. */
export function problem(
  c: Context,
  status: number,
  detail: string,
  extra: { errors?: { field: string; message: string }[]; headers?: Record<string, string> } = {},
): Response {
  const body = { type: `https://satcast.dev/problems/${status}`, title: TITLES[status] ?? 'Error', status, detail, instance: new URL(c.req.url).pathname, ...(extra.errors ? { errors: extra.errors } : {}) };
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/problem+json', ...extra.headers } });
}
