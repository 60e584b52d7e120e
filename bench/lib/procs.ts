// Child processes of a run: the gateway instances, the floors and the engine floor, each a
// separate process so its CPU and memory are its own. Gateways' peak RSS (VmHWM) is sampled
// while they live, since a process's status file is gone once it exits. Ports come from
// BENCH_PORT_BASE (a block of 100) or a random block, each one checked free before use.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const log = (...a: unknown[]) => console.error('[bench]', ...a);

export interface Proc {
  name: string;
  child: ChildProcess;
  port: number;
  url: string;
  output: () => string;
}

function vmHwmMb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return Math.round(kb / 102.4) / 10;
  } catch {
    return 0; // already gone
  }
}

const TICK_US = 10_000; // USER_HZ is 100 on Linux
/** CPU time (user + system, every thread, in µs) a live process has used; NaN once it is gone. */
export function cpuMicros(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_US;
  } catch {
    return Number.NaN;
  }
}

export const load1 = (): number => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export class Procs {
  readonly #all: Proc[] = [];
  readonly #gateways = new Set<Proc>();
  readonly #stopping = new Set<ChildProcess>();
  #timer: NodeJS.Timeout;
  /** Highest VmHWM of any gateway process seen so far, with its name. */
  peakRss = { mb: 0, name: '' };
  readonly #portBase = Number(process.env.BENCH_PORT_BASE) || 20_000 + Math.floor(Math.random() * 400) * 100;
  #nextPort = this.#portBase;

  constructor() {
    this.#timer = setInterval(() => this.sampleRss(), 500);
    this.#timer.unref();
  }

  async port(): Promise<number> {
    while (this.#nextPort < this.#portBase + 100) {
      const p = this.#nextPort++;
      if (await portIsFree(p)) return p;
    }
    throw new Error(`no free port left in ${this.#portBase}–${this.#portBase + 99} (BENCH_PORT_BASE)`);
  }

  async start(
    name: string,
    args: string[],
    env: Record<string, string>,
    opts: { gateway?: boolean; port?: number } = {},
  ): Promise<Proc> {
    const port = opts.port ?? (await this.port());
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', PORT: String(port), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const keep = (d: Buffer) => {
      out = (out + d).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('exit', (code) => {
      if (code && !this.#stopping.has(child)) log(`${name} exited ${code}: ${out.slice(-2000)}`);
    });
    const p: Proc = { name, child, port, url: `http://127.0.0.1:${port}`, output: () => out };
    this.#all.push(p);
    if (opts.gateway) this.#gateways.add(p);
    return p;
  }

  sampleRss(): void {
    for (const g of this.#gateways) {
      const mb = vmHwmMb(g.child.pid);
      if (mb > this.peakRss.mb) this.peakRss = { mb, name: g.name };
    }
  }

  async stop(p: Proc): Promise<void> {
    this.sampleRss();
    this.#gateways.delete(p);
    this.#stopping.add(p.child);
    if (p.child.exitCode !== null || p.child.signalCode !== null) return;
    const exited = new Promise((r) => p.child.once('exit', r));
    p.child.kill('SIGTERM');
    const t = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(t);
  }

  /** Stops every process started so far (a suite's end). */
  async stopAll(): Promise<void> {
    await Promise.all(this.#all.splice(0).map((p) => this.stop(p)));
  }

  /** On an interrupt: no grace, every child killed at once (they may be mid-measurement). */
  killAll(): void {
    for (const p of this.#all.splice(0)) {
      this.#stopping.add(p.child);
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    }
  }

  async close(): Promise<void> {
    await this.stopAll();
    clearInterval(this.#timer);
  }
}

export async function waitHealthy(p: Proc, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (p.child.exitCode !== null) throw new Error(`${p.name} exited ${p.child.exitCode}: ${p.output().slice(-2000)}`);
    try {
      if ((await fetch(`${p.url}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${p.name} never became healthy: ${p.output().slice(-2000)}`);
}
