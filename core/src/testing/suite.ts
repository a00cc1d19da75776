import { it } from 'vitest';

/** Options every suite accepts. */
export interface SuiteOptions<Ctx> {
  /** Test name -> reason; a skipped test shows its reason in the runner output. */
  skip?: Record<string, string>;
  /** The plugin's own cases, run inside the suite's describe block with the suite's context getter. */
  additionalTests?: (ctx: () => Ctx) => void;
}

/** `it` that honours the suite's skip map so skips are by name and carry a reason. */
export function caseFor(skip: Record<string, string> | undefined) {
  return (name: string, fn: () => unknown | Promise<unknown>, timeout?: number): void => {
    const reason = skip?.[name];
    if (reason) it.skip(`${name} (skipped: ${reason})`, () => {});
    else it(name, fn, timeout);
  };
}
