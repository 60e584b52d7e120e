// The gateway's configuration: environment → the settings table (settings.ts) → a frozen,
// typed Config grouped by concern. This folder is the only reader of process.env; every
// problem is reported at once so an operator fixes the deployment in one go.
import { existsSync } from 'node:fs';
import Ajv from 'ajv';
import envSchema from 'env-schema';
import { isLoopbackHost } from '../lib/loopback.js';
import { hasProtocol, isBareOrigin, type Setting } from './kinds.js';
import { SETTINGS } from './settings.js';

export type Env = Record<string, string | undefined>;

type Settings = typeof SETTINGS;
type ValueOf<S> = S extends Setting<infer T> ? T : never;
type Values = { readonly [G in keyof Settings]: { readonly [K in keyof Settings[G]]: ValueOf<Settings[G][K]> } };

/** What follows from the settings rather than being set: worked out here, once. */
function derive(v: Values) {
  const isProduction = v.server.nodeEnv === 'production';
  // A claimed execution's job expires when its worker has been silent this long past the agent timeout.
  const executionExpireSeconds = Math.ceil(v.engine.agentTimeoutMs / 1000) + v.engine.expireSlackSeconds;
  return {
    server: {
      ...v.server,
      isProduction,
      introspection: v.server.introspection ?? !isProduction,
      // Behind a load balancer, readiness must fail long enough for it to stop sending here.
      shutdownDrainMs: v.server.shutdownDrainMs ?? (isProduction ? 5000 : 0),
    },
    database: v.database,
    auth: v.auth,
    engine: {
      ...v.engine,
      executionExpireSeconds,
      /** A live execution no job has touched this long after its job expired is swept (re-queued or failed). */
      strandedAfterSeconds: executionExpireSeconds + 60,
    },
    webhooks: v.webhooks,
    email: { ...v.email, dashboardUrl: v.email.dashboardUrl.replace(/\/+$/, '') },
    live: v.live,
    limits: v.limits,
    budget: v.budget,
    telemetry: v.telemetry,
    trustedDocuments: v.trustedDocuments,
    publicCache: v.publicCache,
  };
}

type Derived = ReturnType<typeof derive>;
export type Config = { readonly [G in keyof Derived]: Readonly<Derived[G]> };
export type LogLevel = Config['telemetry']['logLevel'];
export type LogFormat = Config['telemetry']['logFormat'];

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const ALL: readonly (readonly [group: string, key: string, setting: Setting])[] = Object.entries(SETTINGS).flatMap(
  ([group, settings]) => Object.entries(settings).map(([key, s]) => [group, key, s as Setting] as const),
);
const BY_ENV = new Map(ALL.map(([, , s]) => [s.env, s]));

const SCHEMA = {
  type: 'object',
  properties: Object.fromEntries(ALL.map(([, , s]) => [s.env, s.schema])),
};

// env-schema's own Ajv options, plus the two keywords the settings use.
const AJV = new Ajv.default({
  allErrors: true,
  removeAdditional: true,
  useDefaults: true,
  coerceTypes: true,
  allowUnionTypes: true,
  keywords: [
    {
      keyword: 'protocols',
      type: 'string',
      schemaType: 'array',
      validate: (p: string[], v: string) => hasProtocol(v, p),
    },
    { keyword: 'origin', type: 'string', schemaType: 'boolean', validate: (_: boolean, v: string) => isBareOrigin(v) },
  ],
});

/** Trimmed values of the settings that are set (an empty value counts as unset). */
function rawValues(env: Env): Map<string, string> {
  const raw = new Map<string, string>();
  for (const [, , s] of ALL) {
    const v = env[s.env]?.trim();
    if (v) raw.set(s.env, v);
  }
  return raw;
}

/** Checked and defaulted values by variable name, and the variables whose value was refused. */
function check(raw: Map<string, string>): { values: Record<string, unknown>; refused: Set<string> } {
  const validate = (vars: Map<string, string>) =>
    envSchema<Record<string, unknown>>({
      schema: SCHEMA,
      data: Object.fromEntries([...vars].map(([name, v]) => [name, BY_ENV.get(name)!.prepare(v)])),
      env: false,
      ajv: AJV,
    });
  try {
    return { values: validate(raw), refused: new Set() };
  } catch (e) {
    const errors = (e as { errors?: { instancePath: string }[] }).errors;
    if (!errors) throw e;
    const refused = new Set(errors.map((err) => err.instancePath.split('/')[1] ?? ''));
    // The refused ones take their defaults, so the rules between settings are still checked.
    const rest = new Map([...raw].filter(([name]) => !refused.has(name)));
    return { values: validate(rest), refused };
  }
}

function rules(c: Config): string[] {
  const problems: string[] = [];
  if (c.server.isProduction) {
    if (!c.database.url) {
      problems.push('DATABASE_URL is required when NODE_ENV=production (embedded PGlite is for development only)');
    }
    if (!c.auth.clerkSecretKey && !c.auth.clerkJwtKey) {
      problems.push('CLERK_SECRET_KEY or CLERK_JWT_KEY is required when NODE_ENV=production');
    }
  }
  // Development conveniences that hand out identities or accept anything exist only on loopback.
  for (const [on, name] of [
    [c.auth.noAuth, 'TORALE_NOAUTH'],
    [c.server.devTools, 'TORALE_DEV_TOOLS'],
  ] as const) {
    if (!on) continue;
    if (c.server.isProduction) problems.push(`${name}=1 is refused when NODE_ENV=production`);
    if (!isLoopbackHost(c.server.host)) {
      problems.push(`${name}=1 is refused unless HOST is a loopback address (got HOST=${c.server.host})`);
    }
  }
  const { smtpUrl, from } = c.email;
  if (smtpUrl && !smtpUrl.startsWith('log:') && !from) problems.push('EMAIL_FROM is required when SMTP_URL is set');
  if (from && !/^[^<>\s]+@[^<>\s]+$|<[^<>\s]+@[^<>\s]+>$/.test(from)) {
    problems.push(`EMAIL_FROM must be an address or "Name <address>" (got "${from}")`);
  }
  if (smtpUrl?.startsWith('log:') && c.server.isProduction) {
    problems.push('SMTP_URL=log: is refused when NODE_ENV=production');
  }
  return problems;
}

const deepFreeze = <T extends object>(o: T): T => {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v);
  return Object.freeze(o);
};

export function loadConfig(env: Env = process.env): Config {
  const raw = rawValues(env);
  const { values, refused } = check(raw);
  const problems = ALL.filter(([, , s]) => refused.has(s.env)).flatMap(([, , s]) => s.problems(raw.get(s.env)!));
  if (refused.has('')) problems.push('the environment as a whole was refused');
  const grouped = Object.fromEntries(
    Object.entries(SETTINGS).map(([group, settings]) => [
      group,
      Object.fromEntries(Object.entries(settings).map(([key, s]) => [key, values[(s as Setting).env]])),
    ]),
  ) as unknown as Values;
  const config = derive(grouped);
  problems.push(...rules(config));
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

/** The configuration, or exit 1 with every problem listed (a local .env fills in what the environment does not set). */
export function loadConfigOrExit(): Config {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    return loadConfig();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(`torale-gateway: refusing to start.\n${e.message}`);
    process.exit(1);
  }
}

/** What an operator should hear about at startup: settings that are fine locally and wrong in production. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (!config.database.url) {
    warnings.push(`DATABASE_URL is not set: using embedded PGlite in ${config.database.pgliteDir} (development only)`);
  }
  if (!config.engine.runner) {
    warnings.push('TORALE_RUNNER=0: this instance queues runs for other instances and does not execute them');
  }
  if (config.auth.noAuth) {
    warnings.push(`TORALE_NOAUTH=1: requests without credentials act as the dev user (${config.auth.noAuthEmail})`);
  }
  if (config.server.devTools) {
    warnings.push(
      config.engine.agentUrl
        ? `TORALE_DEV_TOOLS=1: webhook inbox at /dev/webhook-inbox; runs go to the agent at ${config.engine.agentUrl}`
        : 'TORALE_DEV_TOOLS=1: runs go to the built-in DEVELOPMENT agent (no search; a condition is met unless it contains "never"); webhook inbox at /dev/webhook-inbox',
    );
  }
  if (!config.email.smtpUrl) {
    warnings.push('SMTP_URL is not set: emails are recorded as skipped, not sent, and email verification answers 503');
  } else if (config.email.smtpUrl.startsWith('log:')) {
    warnings.push('SMTP_URL=log: emails are written to the log, not sent');
  }
  if (config.webhooks.allowInsecureTargets) {
    warnings.push(
      'WEBHOOK_ALLOW_INSECURE_TARGETS=1: webhooks may target plain http and private addresses. LOCAL TESTING ONLY.',
    );
  }
  return warnings;
}

/** Every setting with its group and key, in table order (the docs are written from it). */
export const SETTING_LIST = ALL;
