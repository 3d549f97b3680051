// Sample statistics and the report: every figure is printed beside a baseline measured in the same run,
// with the ratio and the target, because absolute times on a shared machine move between runs.

export interface Summary {
  n: number;
  median: number;
  p95: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

/** Nearest-rank percentile of an ascending-sorted list. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function summarize(samples: number[]): Summary {
  const sorted = samples.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    n: sorted.length,
    median: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    mean: sorted.length ? sum / sorted.length : NaN,
    min: sorted.length ? sorted[0] : NaN,
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

export function median(samples: number[]): number {
  return summarize(samples).median;
}

/** A number with 2 significant decimals for small values, fewer for large ones. */
export function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return x.toFixed(0);
  if (a >= 100) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The target of one figure. `ratio-*` compare value / baseline; `abs-*` compare the value itself. */
export type Target =
  | { kind: 'ratio-max'; x: number }
  | { kind: 'ratio-min'; x: number }
  | { kind: 'abs-max'; value: number; strict?: boolean }
  | { kind: 'zero' }
  /** Printed in the same form but not judged (a figure the issue names without a target of its own). */
  | { kind: 'info' };

export interface Figure {
  label: string;
  value: number;
  unit: string;
  baseline: number;
  /** What the baseline is, shown in parentheses when given. */
  baselineNote?: string;
  target: Target;
}

export interface Outcome extends Figure {
  pass: boolean;
  line: string;
}

export class Report {
  readonly outcomes: Outcome[] = [];

  section(title: string): void {
    console.log(`\n== ${title}`);
  }

  info(text: string): void {
    console.log(`   · ${text}`);
  }

  /** The median and p99 of each engine layer measured on the way (what a figure's time is made of). */
  layers(samples: Record<string, number[]>): void {
    for (const [name, layer] of Object.entries(samples)) {
      const l = summarize(layer);
      this.info(`engine layer ${name}: median ${num(l.median)} ms, p99 ${num(l.p99)} ms`);
    }
  }

  /** How much the figure's ratio moved between interleaved rounds: a wide spread means a noisy machine. */
  noise(ratios: number[], what = 'the ratio within each round (round medians)'): void {
    const r = summarize(ratios);
    this.info(`noise check: ${what} is ${num(r.median)}x median, ${num(r.min)}x to ${num(r.max)}x over ${r.n} rounds`);
  }

  figure(f: Figure): Outcome {
    const ratio = f.baseline === 0 ? (f.value === 0 ? 1 : Infinity) : f.value / f.baseline;
    let pass: boolean;
    let target: string;
    switch (f.target.kind) {
      case 'ratio-max':
        pass = ratio <= f.target.x;
        target = `<= ${f.target.x}x`;
        break;
      case 'ratio-min':
        pass = ratio >= f.target.x;
        target = `>= ${f.target.x}x`;
        break;
      case 'abs-max':
        pass = f.target.strict === false ? f.value <= f.target.value : f.value < f.target.value;
        target = `${f.target.strict === false ? '<=' : '<'} ${num(f.target.value)} ${f.unit}`;
        break;
      case 'zero':
        pass = f.value === 0;
        target = '= 0';
        break;
      case 'info':
        pass = true;
        target = 'none (reported only)';
        break;
    }
    pass &&= Number.isFinite(f.value);
    const unit = f.unit ? ` ${f.unit}` : '';
    const note = f.baselineNote ? ` (${f.baselineNote})` : '';
    const verdict = f.target.kind === 'info' ? 'INFO' : pass ? 'PASS' : 'FAIL';
    const line = `${f.label} ${num(f.value)}${unit} | baseline ${num(f.baseline)}${unit}${note} | ratio ${Number.isFinite(ratio) ? ratio.toFixed(2) : ratio}x | target ${target} | ${verdict}`;
    console.log(line);
    const outcome = { ...f, pass, line };
    if (f.target.kind !== 'info') this.outcomes.push(outcome);
    return outcome;
  }

  /** A benchmark that could not run at all counts as a miss. */
  failed(label: string, error: unknown): void {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    const line = `${label} | ERROR: ${message.split('\n').slice(0, 6).join('\n    ')} | FAIL`;
    console.log(line);
    this.outcomes.push({ label, value: NaN, unit: '', baseline: NaN, target: { kind: 'zero' }, pass: false, line });
  }

  summary(): { passed: number; total: number } {
    const passed = this.outcomes.filter((o) => o.pass).length;
    console.log(`\n== Summary: ${passed} of ${this.outcomes.length} targets met`);
    for (const o of this.outcomes.filter((x) => !x.pass)) console.log(`   MISS  ${o.line}`);
    return { passed, total: this.outcomes.length };
  }
}
