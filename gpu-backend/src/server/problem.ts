/**
 * RFC 9457 problem details: every 4xx/5xx leaves the API as `application/problem+json`, naming the bad
 * field for validation errors, never with a stack trace.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HTTPException } from 'hono/http-exception';
import { SatcastError, ValidationError } from '@satcast/core';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  /** Validation problems: one entry per bad field. */
  errors?: { field: string; message: string }[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problem(c: Context, status: number, detail: string, extra: Partial<Problem> & { headers?: Record<string, string> } = {}): Response {
  const body: Problem = {
    type: extra.type ?? `https://satcast.dev/problems/${status}`,
    title: extra.title ?? TITLES[status] ?? 'Error',
    status,
    detail,
    instance: new URL(c.req.url).pathname,
    ...(extra.errors ? { errors: extra.errors } : {}),
  };
  return c.body(JSON.stringify(body), status as ContentfulStatusCode, { ...extra.headers, 'content-type': 'application/problem+json' });
}

/** Map any thrown value to a problem response; unknown errors become a bare 500. */
export function problemFromError(c: Context, err: unknown, log: (msg: string, data?: Record<string, unknown>) => void): Response {
  if (err instanceof ValidationError) {
    const errors = err.issues.length ? err.issues.map((i) => ({ field: i.path, message: i.message })) : undefined;
    return problem(c, 400, err.message.replace(/^\[satcast\]\s*/, ''), { errors });
  }
  // Hono's own 4xx (e.g. "Malformed JSON in request body") keep their status.
  if (err instanceof HTTPException && err.status < 500) return problem(c, err.status, err.message || 'bad request');
  if (err instanceof SatcastError && err.httpStatus < 500) return problem(c, err.httpStatus, err.message.replace(/^\[satcast\]\s*/, ''));
  log('request failed', { path: c.req.path, error: err instanceof Error ? err.message : String(err) });
  return problem(c, 500, 'The server could not complete the request; it has been logged.');
}
