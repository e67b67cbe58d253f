import cliProgress from 'cli-progress';

export interface Progress {
  update(value: number, total?: number): void;
  stop(): void;
}

/**
 * A progress bar on stderr for long work (stdout stays clean for piping). When stderr is
 * not a terminal (CI, logs), a plain line every few seconds instead of redraws.
 */
export function progressBar(label: string, total: number, unit = 'events'): Progress {
  if (!process.stderr.isTTY) {
    let last = 0;
    let current = 0;
    let max = total;
    let printed = '';
    const line = () => {
      const text = `${label}: ${current}/${max} ${unit}`;
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
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {eta_formatted} left`, hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update(value, newTotal) {
      if (newTotal !== undefined) bar.setTotal(newTotal);
      bar.update(value);
    },
    stop() {
      bar.stop();
    },
  };
}
