/** A one-line progress bar on stderr for TTYs; plain lines every 10% otherwise (CI logs stay short). */
export function progressBar(label: string) {
  const tty = process.stderr.isTTY;
  const t0 = Date.now();
  let lastDecile = -1;
  return {
    update(done: number, total: number, what: string) {
      const f = total ? Math.min(1, done / total) : 1;
      const eta = f > 0 ? ((Date.now() - t0) / f - (Date.now() - t0)) / 1000 : 0;
      if (tty) {
        const w = 30;
        const fill = Math.round(f * w);
        process.stderr.write(`\r${label} [${'#'.repeat(fill)}${'.'.repeat(w - fill)}] ${(f * 100).toFixed(0).padStart(3)}% ${what.padEnd(24)} eta ${eta.toFixed(0)}s `);
      } else if (Math.floor(f * 10) > lastDecile) {
        lastDecile = Math.floor(f * 10);
        process.stderr.write(`${label}: ${(f * 100).toFixed(0)}% (${what})\n`);
      }
    },
    done() {
      if (tty) process.stderr.write('\n');
    },
  };
}
