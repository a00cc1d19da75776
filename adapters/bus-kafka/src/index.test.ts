/**
 * The bus contract against a real Kafka, only when KAFKA_BROKERS is set (e.g. `KAFKA_BROKERS=127.0.0.1:9092`);
 * each bus gets its own topic/group prefix. Without it, one named skip says the adapter is untested here.
 */
import { randomUUID } from 'node:crypto';
import { describe, it, vi } from 'vitest';
import { testBus } from '@satcast/core/testing';
import { brokersFromEnv, createBus } from './index.js';

const brokers = brokersFromEnv();

if (brokers.length === 0) {
  describe.skip('bus contract: kafka (not tested: KAFKA_BROKERS unset; set it to run testBus against a broker)', () => {
    it('testBus', () => {});
  });
} else {
  // Group joins wait out the broker's initial rebalance delay (3 s by default): far above vitest's 5 s per test.
  vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });
  const run = `satcast-test-${process.pid}-${randomUUID().slice(0, 8)}`;
  let n = 0;
  testBus({
    name: 'kafka',
    timeoutMs: 20_000,
    create: async () => createBus({ brokers, prefix: `${run}-${n++}.`, numPartitions: 3, replicationFactor: 1, retryDelayMs: 5, sessionTimeoutMs: 10_000, warn: () => {} }),
  });
}
