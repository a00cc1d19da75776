import { testFeatureSet } from '@satcast/core/testing';
import { loadBtcHourly } from '@satcast/data';
import volumeZ from './index.js';

// The same contract every built-in feature set passes: parity, no look-ahead, inputs untouched.
testFeatureSet({
  plugin: volumeZ,
  options: { window: 48 },
  candles: loadBtcHourly({ from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 1, 1) }),
});
