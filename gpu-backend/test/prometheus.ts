/**
 * A strict parser of the Prometheus text exposition format 0.0.4 (what prom-client writes and Prometheus
 * scrapes), for tests: every line must be a `# HELP`, a `# TYPE`, another comment, blank, or a sample
 * `name{label="value",...} value [timestamp]`; a family's TYPE comes before its samples and at most once;
 * label values use only the three escapes the format allows (\\, \", \n). Throws naming the bad line.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  type: string;
  help?: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const HELP_RE = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE_RE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE_RE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const LABEL_RE = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;

function parseValue(raw: string, line: string): number {
  if (raw === '+Inf') return Number.POSITIVE_INFINITY;
  if (raw === '-Inf') return Number.NEGATIVE_INFINITY;
  if (raw === 'NaN') return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) throw new Error(`bad sample value in: ${line}`);
  return Number(raw);
}

function parseLabels(raw: string | undefined, line: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  LABEL_RE.lastIndex = 0;
  while (LABEL_RE.lastIndex < raw.length) {
    const m = LABEL_RE.exec(raw);
    if (!m) throw new Error(`bad label set in: ${line}`);
    if (m[1]! in out) throw new Error(`duplicate label ${m[1]} in: ${line}`);
    out[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return out;
}

/** The family a sample belongs to: histogram/summary series add _bucket, _sum, _count. */
function familyOf(name: string, families: Map<string, Family>): Family | undefined {
  if (families.has(name)) return families.get(name);
  const base = name.replace(/_(bucket|sum|count)$/, '');
  const f = families.get(base);
  return f && (f.type === 'histogram' || f.type === 'summary') ? f : undefined;
}

export function parsePrometheus(text: string) {
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ')) {
      const m = HELP_RE.exec(line);
      if (!m) throw new Error(`bad HELP line: ${line}`);
      helps.set(m[1]!, m[2]!);
    } else if (line.startsWith('# TYPE ')) {
      const m = TYPE_RE.exec(line);
      if (!m) throw new Error(`bad TYPE line: ${line}`);
      if (families.has(m[1]!)) throw new Error(`second TYPE for ${m[1]}`);
      families.set(m[1]!, { type: m[2]!, help: helps.get(m[1]!), samples: [] });
    } else if (line.startsWith('#')) {
      continue;
    } else {
      const m = SAMPLE_RE.exec(line);
      if (!m) throw new Error(`bad sample line: ${line}`);
      const f = familyOf(m[1]!, families);
      if (!f) throw new Error(`sample before (or without) its TYPE: ${line}`);
      f.samples.push({ name: m[1]!, labels: parseLabels(m[2], line), value: parseValue(m[3]!, line) });
    }
  }
  const samples = (name: string): Sample[] => (familyOf(name, families)?.samples ?? []).filter((s) => s.name === name);
  return {
    families,
    samples,
    /** Value of the one sample with exactly these labels (undefined when absent). */
    value(name: string, labels: Record<string, string>): number | undefined {
      const want = JSON.stringify(Object.entries(labels).sort());
      return samples(name).find((s) => JSON.stringify(Object.entries(s.labels).sort()) === want)?.value;
    },
  };
}
