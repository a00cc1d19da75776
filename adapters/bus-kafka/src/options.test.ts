import { describe, expect, it } from 'vitest';
import { brokersFromEnv, resolveOptions } from './options.js';
import { createBus } from './index.js';

describe('kafka bus options', () => {
  it('fills defaults', () => {
    expect(resolveOptions({ brokers: ['localhost:9092'] })).toMatchObject({
      brokers: ['localhost:9092'], clientId: 'satcast', prefix: '', numPartitions: 6, replicationFactor: -1, maxDeliveries: 5, deadLetter: true,
    });
  });

  it('names the bad field', () => {
    const cases: [unknown, string][] = [
      [undefined, 'brokers'],
      [{}, 'brokers'],
      [{ brokers: [] }, 'brokers'],
      [{ brokers: ['localhost'] }, 'brokers.0'],
      [{ brokers: ['kafka:9092', 'http://kafka:9092'] }, 'brokers.1'],
      [{ brokers: ['[::1]:9092'], numPartitions: 0 }, 'numPartitions'],
      [{ brokers: ['k:1'], replicationFactor: 0 }, 'replicationFactor'],
      [{ brokers: ['k:1'], prefix: 'a/b' }, 'prefix'],
      [{ brokers: ['k:1'], sessionTimeoutMs: 1000 }, 'sessionTimeoutMs'],
      [{ brokers: ['k:1'], heartbeatIntervalMs: 20_000 }, 'heartbeatIntervalMs'],
      [{ brokers: ['k:1'], maxDeliverys: 3 }, 'options'],
      [{ brokers: ['k:1'], onError: 'log' }, 'onError'],
      [{ brokers: ['k:1'], publishTimeoutMs: 0 }, 'publishTimeoutMs'],
    ];
    for (const [opts, field] of cases) {
      expect(() => resolveOptions(opts as never), JSON.stringify(opts)).toThrow(expect.objectContaining({ code: 'CONFIG', field }));
    }
    expect(() => createBus({ brokers: ['localhost'] })).toThrow(/\[bus-kafka\] option "brokers.0": expected "host:port"/);
  });

  it('reads KAFKA_BROKERS as a comma-separated list', () => {
    expect(brokersFromEnv(' a:9092, b:9093 ,')).toEqual(['a:9092', 'b:9093']);
    expect(brokersFromEnv(undefined)).toEqual([]);
  });
});

describe('kafka bus without a broker', () => {
  it('validates arguments before connecting, naming the field', async () => {
    const bus = createBus({ brokers: ['127.0.0.1:1'] });
    await expect(bus.publish('a:b', 'k', 1)).rejects.toMatchObject({ code: 'VALIDATION', field: 'topic' });
    await expect(bus.publish('t', '', 1)).rejects.toMatchObject({ field: 'key' });
    await expect(bus.publish('t', 'k', 10n)).rejects.toMatchObject({ field: 'value' });
    await expect(bus.subscribe({ topic: 't', group: 'g', fromOffset: '1719792000000-0', handler: () => {} })).rejects.toMatchObject({ field: 'fromOffset' });
    await bus.close();
    await expect(bus.publish('t', 'k', 1)).rejects.toThrow(/after close/);
  });

  it('reports an unreachable broker as UNAVAILABLE (retryable), naming the brokers', async () => {
    const bus = createBus({ brokers: ['127.0.0.1:1'], warn: () => {}, kafka: { retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 }, connectionTimeout: 300, logLevel: 0 } });
    await expect(bus.publish('t', 'k', 1)).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: true, message: expect.stringContaining('127.0.0.1:1') });
    await bus.close();
  });
});
