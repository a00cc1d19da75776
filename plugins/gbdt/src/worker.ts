/**
 * @module @satcast/plugin-gbdt/worker
 * Optional, Node-only: grow a random forest's trees in worker threads. Each worker rebuilds the same
 * bins from the same rows and grows the trees t = w, w + k, w + 2k, ... with their per-tree seeds, so the
 * forest is identical to `trainForest`. Off by default (the plugins never import this file); see the
 * README for when it pays on 2 cores.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { TrainInput } from './boost.js';
import type { TreeEnsemble } from './ensemble.js';
import { forestEnsemble, growForestTree, prepareForest, type ForestParams } from './forest.js';
import type { Tree } from './tree.js';

interface Job {
  satcastForestJob: true;
  input: TrainInput;
  params: Partial<ForestParams>;
  trees: number[];
}

/**
 * Same result as `trainForest(input, params)`, trees grown in `workers` threads.
 * @example
 * const forest = await trainForestParallel({ x, nRows, nFeatures, y }, { nTrees: 200 }, { workers: 2 });
 */
export async function trainForestParallel(input: TrainInput, params: Partial<ForestParams> = {}, opts: { workers?: number } = {}): Promise<TreeEnsemble> {
  const shared = prepareForest(input, params);
  const n = shared.params.nTrees;
  const k = Math.max(1, Math.min(opts.workers ?? 2, n));
  const out: Tree[] = new Array(n);
  await Promise.all(
    Array.from({ length: k }, (_, w) => {
      const trees = Array.from({ length: Math.ceil((n - w) / k) }, (_, j) => w + j * k);
      const job: Job = { satcastForestJob: true, input: { ...input, rows: input.rows ? Int32Array.from(input.rows) : undefined }, params, trees };
      return new Promise<void>((resolve, reject) => {
        const worker = new Worker(new URL(import.meta.url), { workerData: job });
        worker.once('message', (grown: Tree[]) => {
          grown.forEach((t, j) => (out[trees[j]!] = t));
          void worker.terminate();
          resolve();
        });
        worker.once('error', reject);
      });
    }),
  );
  return forestEnsemble(shared, out, input.featureNames);
}

if (!isMainThread && (workerData as Job | undefined)?.satcastForestJob) {
  const job = workerData as Job;
  const shared = prepareForest(job.input, job.params);
  parentPort!.postMessage(job.trees.map((t) => growForestTree(shared, t)));
}
