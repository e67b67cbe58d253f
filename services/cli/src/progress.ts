import cliProgress from 'cli-progress';

export interface Progress {
  update(value: number, total?: number): void;
  stop(): void;
}

/** Progress through named phases (an import reads, then appends), one bar per phase. */
export interface PhasedProgress {
  update(phase: string, done: number, total: number, unit: string): void;
  stop(): void;
}

/**
 * A progress bar on stderr for long work (stdout stays clean for piping). When stderr is
 * not a terminal (CI, logs), a plain line every few seconds instead of redraws. A total of
 * 0 means "not known" (an export streams without counting first): the count alone is shown.
 */
export function progressBar(label: string, total: number, unit = 'events'): Progress {
  if (!process.stderr.isTTY) {
    let last = 0;
    let current = 0;
    let max = total;
    let printed = '';
    const line = () => {
      const of = max > 0 ? `/${max} ${unit} (${Math.floor((current / max) * 100)}%)` : ` ${unit}`;
      const text = `${label} ${current}${of}`;
      if (text !== printed) process.stderr.write(`${text}\n`);
      printed = text;
    };
    return {
      update(value, newTotal) {
        current = value;
        if (newTotal !== undefined) max = newTotal;
        if (Date.now() - last > 2000) {
          last = Date.now();
          line();
        }
      },
      stop() {
        line();
      },
    };
  }
  const format = total > 0 ? `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {eta_formatted} left` : `${label} {value} ${unit}`;
  const bar = new cliProgress.SingleBar({ stream: process.stderr, format, hideCursor: true, clearOnComplete: false }, cliProgress.Presets.shades_classic);
  bar.start(Math.max(total, 1), 0);
  return {
    update(value, newTotal) {
      if (newTotal !== undefined && newTotal > 0) bar.setTotal(newTotal);
      bar.update(value);
    },
    stop() {
      bar.stop();
    },
  };
}

export function phasedProgress(label: string): PhasedProgress {
  let phase = '';
  let bar: Progress | undefined;
  return {
    update(p, done, total, unit) {
      if (p !== phase || bar === undefined) {
        bar?.stop();
        phase = p;
        bar = progressBar(`${label}: ${p}`, total, unit);
      }
      bar.update(done, total > 0 ? total : undefined);
    },
    stop() {
      bar?.stop();
    },
  };
}
