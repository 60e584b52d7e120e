// The gateway as its own process, for the tests that need one (signals, memory, start-up
// refusals, tracing loaded before anything else, the process that dies mid-run): started
// from source as `npm run dev` runs it, from the compiled output as `npm start` runs it, or
// as `npm run dev` itself; its output kept; ready once /healthz (or /readyz) answers.
// Each file calls killGatewayProcesses() in afterAll, so nothing outlives it.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

const ROOT = new URL('../..', import.meta.url).pathname;
const started = new Set<ChildProcess>();

export interface GatewayProcessOptions {
  /** Environment beyond PATH and HOME (nothing else of the test's environment is passed on). */
  env?: Record<string, string>;
  /** `source`: node --import tsx src/main.ts; `dist`: node dist/src/main.js (built first); `dev`: npm run dev. */
  entry?: 'source' | 'dist' | 'dev';
  /** Node flags before the entry (a heap limit; a module to preload, after tsx for `source`); not for `dev`. */
  nodeArgs?: string[];
  /** Default: a free port on loopback. */
  port?: number;
  /** The path that answers 200 once the process is up; false: do not wait (a process expected to refuse). */
  ready?: '/healthz' | '/readyz' | false;
  timeoutMs?: number;
}

export interface GatewayProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** Exit code (null when ended by a signal). */
  exited: Promise<number | null>;
  /** Everything written to stdout and stderr so far, in order. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** Sends the signal (SIGTERM by default) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startGatewayProcess(opts: GatewayProcessOptions = {}): Promise<GatewayProcess> {
  const { entry = 'source', nodeArgs = [], ready = '/healthz', timeoutMs = 60_000 } = opts;
  const port = opts.port ?? (await freePort());
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', PORT: String(port), ...opts.env };
  const child =
    entry === 'dev'
      ? // Its own process group: npm, tsx's watcher and the gateway end together.
        spawn('npm', ['run', 'dev'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(
          process.execPath,
          entry === 'dist' ? [...nodeArgs, 'dist/src/main.js'] : ['--import', 'tsx', ...nodeArgs, 'src/main.ts'],
          { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
        );
  started.add(child);
  let [all, out, err] = ['', '', ''];
  child.stdout?.on('data', (d) => {
    out += d;
    all += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
    all += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  exited.then(() => started.delete(child));
  const signal = (s: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (entry === 'dev' && child.pid) process.kill(-child.pid, s);
    else child.kill(s);
  };
  const url = `http://127.0.0.1:${port}`;
  const gateway: GatewayProcess = {
    child,
    port,
    url,
    exited,
    output: () => all,
    stdout: () => out,
    stderr: () => err,
    async stop(s: NodeJS.Signals = 'SIGTERM') {
      signal(s);
      return exited;
    },
  };
  if (ready === false) return gateway;
  const until = Date.now() + timeoutMs;
  for (;;) {
    if ((await fetch(`${url}${ready}`).catch(() => undefined))?.ok) return gateway;
    if (child.exitCode !== null || Date.now() > until) {
      signal('SIGKILL');
      throw new Error(`the gateway (${entry}) did not answer ${ready} on ${url}:\n${all}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Kills every gateway process this file started that is still running (for afterAll). */
export function killGatewayProcesses(): void {
  for (const child of started) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    if (child.spawnargs[0] === 'npm' && child.pid) process.kill(-child.pid, 'SIGKILL');
    else child.kill('SIGKILL');
  }
}
