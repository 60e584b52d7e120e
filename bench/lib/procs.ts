// Child processes of a run: the gateway instances, the baselines and the engine floor, each
// a separate process so its CPU and memory are its own. Gateways' peak RSS (VmHWM) is
// sampled while they live, since a process's status file is gone once it exits.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

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

export class Procs {
  readonly #all: Proc[] = [];
  readonly #gateways = new Set<Proc>();
  readonly #stopping = new Set<ChildProcess>();
  #timer: NodeJS.Timeout;
  /** Highest VmHWM of any gateway process seen so far, with its name. */
  peakRss = { mb: 0, name: '' };
  #nextPort = 8300 + Math.floor(Math.random() * 500) * 4;

  constructor() {
    this.#timer = setInterval(() => this.sampleRss(), 500);
    this.#timer.unref();
  }

  port(): number {
    return this.#nextPort++;
  }

  start(name: string, args: string[], env: Record<string, string>, opts: { gateway?: boolean; port?: number } = {}) {
    const port = opts.port ?? this.port();
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
