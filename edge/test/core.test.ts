import { describe, expect, it } from 'vitest';
import { prediction } from './helpers';

describe('@satcast/core inside workerd', () => {
  it('imports and validates predictions with the same schemas as the backend', async () => {
    const core = await import('@satcast/core');
    expect((globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent).toBe('Cloudflare-Workers');
    expect(core.PredictionSchema.parse(prediction('1h')).horizon).toBe('1h');
    const crossing = { ...prediction('1h'), quantiles: { p05: 2, p25: 1, p50: 3, p75: 4, p95: 5 } };
    expect(core.PredictionSchema.safeParse(crossing).success).toBe(false);
    expect(core.HORIZONS).toEqual(['1h', '4h', '24h']);
    expect(await core.auditEntryHash(core.AUDIT_GENESIS_HASH, { at: 1, actor: 'a', action: 'b' })).toMatch(/^[0-9a-f]{64}$/);
  });
});
