import { testCache } from '@satcast/core/testing';
import { createCache } from './index.js';

// Against the real Redis on 127.0.0.1:6379 (REDIS_URL overrides); each test gets its own key prefix.
let n = 0;
testCache({
  name: 'redis',
  create: async () => createCache({ url: process.env.REDIS_URL, prefix: `satcast-test:${process.pid}:${Date.now()}:${n++}:` }),
});
