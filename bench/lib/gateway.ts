// Starting the gateway as an operator does (`npm start` = node dist/src/main.js, production,
// logs off), and the Clerk credentials it accepts: an RS256 key pair made per run, the public
// half given as CLERK_JWT_KEY (Clerk's networkless verification), tokens signed with jose.
import { execFileSync } from 'node:child_process';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { log, type Proc, type Procs, ROOT, waitHealthy } from './procs.js';

export interface ClerkKeys {
  jwtKey: string;
  token(sub: string): Promise<string>;
}

export async function clerkKeys(): Promise<ClerkKeys> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  return {
    jwtKey: await exportSPKI(publicKey),
    token: (sub) =>
      new SignJWT({ sid: 'sess_bench' })
        .setProtectedHeader({ alg: 'RS256', kid: 'ins_bench', typ: 'JWT' })
        .setSubject(sub)
        .setIssuedAt()
        .setNotBefore(Math.floor(Date.now() / 1000) - 5)
        .setExpirationTime('2h')
        .sign(privateKey),
  };
}

/**
 * The gateway (`npm run build` → dist/src) and the floors (→ dist/bench). The floors run as
 * compiled JavaScript too: under tsx's loader hooks every `require()` a library makes per
 * request (Apollo's createHash requires `crypto` on each call) is a round trip to the loader
 * thread, which made B-apollo several times slower than it is.
 */
export function build(): void {
  log('building the gateway (npm run build) and the floors (bench/tsconfig.baselines.json)');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  execFileSync('npx', ['tsc', '-p', 'bench/tsconfig.baselines.json'], { cwd: ROOT, stdio: 'ignore' });
}

/** A compiled floor script (bench/baselines/<name>.ts). */
export const BASELINE = (name: string) => `dist/bench/bench/baselines/${name}.js`;

/** A gateway process on `dbUrl`; API-only (TORALE_RUNNER=0) unless env says otherwise. */
export async function startGateway(
  procs: Procs,
  name: string,
  dbUrl: string,
  jwtKey: string,
  env: Record<string, string> = {},
): Promise<Proc> {
  const p = await procs.start(
    name,
    ['dist/src/main.js'],
    {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      DATABASE_URL: dbUrl,
      CLERK_JWT_KEY: jwtKey,
      LOG_LEVEL: 'silent',
      TORALE_RUNNER: '0',
      // Anonymous public pages are measured at thousands of requests a second from one address.
      ANONYMOUS_LIMIT_PER_MINUTE: '1000000',
      SHUTDOWN_DRAIN_MS: '0',
      ...env,
    },
    { gateway: true },
  );
  await waitHealthy(p);
  return p;
}

/** A baseline server (bench/baselines/server.ts) in its own process. */
export async function startBaseline(
  procs: Procs,
  mode: 'fastify' | 'apollo' | 'list',
  env: Record<string, string>,
): Promise<Proc> {
  const p = await procs.start(`B-${mode}`, [BASELINE('server'), mode], {
    NODE_ENV: 'production',
    ...env,
  });
  await waitHealthy(p);
  return p;
}
