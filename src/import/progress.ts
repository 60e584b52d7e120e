// A progress bar on stderr: redrawn in place on a terminal, a line every few seconds otherwise
// (logs, CI), each with the step, rows done of rows, percent, rate and time left.

export interface ProgressBar {
  update(step: string, done: number, total: number): void;
  done(): void;
}

const n = (x: number) => x.toLocaleString('en-US');

export function progressBar(stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  const tty = stream.isTTY === true;
  let current = '';
  let stepStarted = performance.now();
  let lastLine = 0;
  let drawn = false;
  return {
    update(step, done, total) {
      const now = performance.now();
      if (step !== current) {
        if (drawn && tty) stream.write('\n');
        current = step;
        stepStarted = now;
        lastLine = 0;
      }
      const finished = done >= total;
      if (!tty && !finished && now - lastLine < 5000) return;
      lastLine = now;
      const seconds = (now - stepStarted) / 1000;
      const rate = seconds > 0 ? done / seconds : 0;
      const left = rate > 0 ? (total - done) / rate : 0;
      const share = total > 0 ? done / total : 1;
      const width = 30;
      const bar = '#'.repeat(Math.round(share * width)).padEnd(width, '.');
      const line = `${step.padEnd(20)} [${bar}] ${n(done)}/${n(total)} ${(share * 100).toFixed(0).padStart(3)}% ${n(Math.round(rate))} rows/s${finished ? '' : ` ~${left.toFixed(0)} s left`}`;
      stream.write(tty ? `\r${line}\u001b[K` : `${line}\n`);
      drawn = true;
    },
    done() {
      if (drawn && tty) stream.write('\n');
    },
  };
}
