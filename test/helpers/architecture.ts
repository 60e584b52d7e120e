// Static checks of src/ that `npm test` runs (test/architecture): import cycles, SQL
// outside repositories and src/db, GraphQL reached from the job handlers, webhook delivery
// outside webhooks/, file sizes.
// Imports are read with TypeScript's own pre-processor, so comments and strings that
// merely look like imports do not count.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export interface SourceFile {
  /** Path relative to the root given to readSources. */
  path: string;
  text: string;
  /** Relative imports resolved to paths of other files in the set; bare ones as written. */
  imports: string[];
  packages: string[];
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return walk(full);
    return /\.ts$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

function resolveImport(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const candidate of [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

export function readSources(root: string): SourceFile[] {
  return walk(root).map((file) => {
    const text = readFileSync(file, 'utf8');
    const specs = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
    const imports: string[] = [];
    const packages: string[] = [];
    for (const spec of specs) {
      if (spec.startsWith('.')) {
        const target = resolveImport(file, spec);
        if (target) imports.push(relative(root, target));
      } else packages.push(spec);
    }
    return { path: relative(root, file), text, imports, packages };
  });
}

/** Every import cycle, each as the list of files around it (reported once per cycle). */
export function importCycles(files: SourceFile[]): string[][] {
  const graph = new Map(files.map((f) => [f.path, f.imports]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const cycles = new Map<string, string[]>();
  const visit = (node: string) => {
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'visiting') {
        const cycle = stack.slice(stack.indexOf(next));
        cycles.set([...cycle].sort().join('|'), [...cycle, next]);
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const f of files) if (!state.has(f.path)) visit(f.path);
  return [...cycles.values()];
}

const SQL_PATTERNS: [RegExp, string][] = [
  [/\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\s*\(/, 'query builder'],
  [/\bsql\s*(<[^>]*>)?\s*`/, 'sql template'],
  [/\bsql\.(raw|lit|ref|join|id|table|val)\s*\(/, 'sql helper'],
  [/\bCompiledQuery\.raw\s*\(|\.executeQuery\s*\(/, 'raw query'],
  [/\.query\s*\(\s*['"`]\s*(select|insert|update|delete|with|create|alter|drop)\b/i, 'raw SQL text'],
];

/** May hold SQL: repositories and the database layer. */
export const mayHoldSql = (path: string) => /\.repository\.ts$/.test(path) || /^db\//.test(path);

/** Lines of SQL in files that should not hold any. */
export function sqlOutsideRepositories(files: SourceFile[]): string[] {
  const found: string[] = [];
  for (const f of files) {
    if (mayHoldSql(f.path)) continue;
    f.text.split('\n').forEach((line, i) => {
      const hit = SQL_PATTERNS.find(([re]) => re.test(line));
      if (hit) found.push(`${f.path}:${i + 1} (${hit[1]}): ${line.trim()}`);
    });
  }
  return found;
}

const GRAPHQL_PACKAGES = /^(graphql|type-graphql|graphql-scalars|@apollo\/server)(\/|$)/;

/** Files under `dir` that reach a GraphQL package through their imports, with the path that does. */
export function graphqlReachedFrom(files: SourceFile[], dir: string): string[] {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const found: string[] = [];
  for (const start of files.filter((f) => f.path.startsWith(`${dir}/`))) {
    const seen = new Set<string>();
    const search = (path: string, trail: string[]): string[] | undefined => {
      if (seen.has(path)) return undefined;
      seen.add(path);
      const f = byPath.get(path);
      if (!f) return undefined;
      const pkg = f.packages.find((p) => GRAPHQL_PACKAGES.test(p));
      if (pkg) return [...trail, path, pkg];
      for (const next of f.imports) {
        const hit = search(next, [...trail, path]);
        if (hit) return hit;
      }
      return undefined;
    };
    const hit = search(start.path, []);
    if (hit) found.push(hit.join(' → '));
  }
  return found;
}

/**
 * What only webhook delivery does: send a webhook, write its attempts, name the headers that
 * sign a delivery, queue its jobs. Reading deliveries (the notification history) is not it.
 */
const WEBHOOK_DELIVERY: [RegExp, string][] = [
  [/\bsendWebhook\s*\(/, 'sends a webhook'],
  [
    /(insertInto|updateTable|deleteFrom)\(\s*['"]notification_attempts|(insert\s+into|update|delete\s+from)\s+notification_attempts\b/i,
    'writes attempts',
  ],
  [
    /['"](x-torale-(signature|delivery|timestamp|event)|webhook-(id|timestamp|signature))['"]/i,
    'names a delivery header',
  ],
  [/['"]webhook-delivery['"]/, 'names the delivery queue'],
];

/** Lines outside `dir`/ that do webhook delivery's work. */
export function webhookDeliveryOutside(files: SourceFile[], dir = 'webhooks'): string[] {
  const found: string[] = [];
  for (const f of files) {
    if (f.path.startsWith(`${dir}/`)) continue;
    f.text.split('\n').forEach((line, i) => {
      const hit = WEBHOOK_DELIVERY.find(([re]) => re.test(line));
      if (hit) found.push(`${f.path}:${i + 1} (${hit[1]}): ${line.trim()}`);
    });
  }
  return found;
}

export const lineCount = (f: SourceFile) => f.text.split('\n').length - (f.text.endsWith('\n') ? 1 : 0);

/** `process.env` read directly, through brackets, or destructured from `process`. */
const ENV_READ =
  /\bprocess\s*(\?\.|\.)\s*env\b|\bprocess\s*\[\s*['"`]env['"`]\s*\]|\{[^}]*\benv\b[^}]*\}\s*=\s*process\b/;

/** Lines that read the environment outside `dir` (the one place allowed to). */
export function envReadsOutside(files: SourceFile[], dir: string): string[] {
  const found: string[] = [];
  for (const f of files) {
    if (f.path.startsWith(`${dir}/`)) continue;
    f.text.split('\n').forEach((line, i) => {
      if (ENV_READ.test(line.replace(/\/\/.*$/, ''))) found.push(`${f.path}:${i + 1}: ${line.trim()}`);
    });
  }
  return found;
}

/**
 * The layers of src/, lowest first (README "Architecture"): a folder may import its own layer
 * and those below. `*` stands for every folder not named — the features. A folder's layer is
 * its top-level folder's (auth/strategies is auth); a top-level file is a unit of its own.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['lib', 'errors', 'config', 'telemetry'],
  ['db', 'engine'],
  ['auth'],
  ['http', 'graphql'],
  ['*'],
  ['metrics', 'container'],
  ['plugins', 'dev-tools'],
  ['app', 'shutdown', 'cli'],
  ['server'],
  ['main'],
];

/** The unit an import is counted between: a file's folder (sub-folders apart), or a top-level file. */
export const unitOf = (path: string) => (path.includes('/') ? dirname(path) : path.replace(/\.ts$/, ''));

function layerOf(unit: string, layers: readonly (readonly string[])[]): number {
  const top = unit.split('/')[0]!;
  const i = layers.findIndex((l) => l.includes(top));
  return i >= 0 ? i : layers.findIndex((l) => l.includes('*'));
}

/**
 * Folder-level imports (distinct pairs of units, as `from > to`) and those among them that
 * point up the layers. Imports leaving src/ (migrations/) are not counted.
 */
export function folderImports(files: SourceFile[], layers = LAYERS): { all: string[]; upward: string[] } {
  const all = new Set<string>();
  const upward = new Set<string>();
  for (const f of files) {
    for (const target of f.imports) {
      if (target.startsWith('..')) continue;
      const [from, to] = [unitOf(f.path), unitOf(target)];
      if (from === to) continue;
      all.add(`${from} > ${to}`);
      if (layerOf(to, layers) > layerOf(from, layers)) upward.add(`${from} > ${to}`);
    }
  }
  return { all: [...all].sort(), upward: [...upward].sort() };
}

/** Array methods whose callback runs before the call returns, i.e. while the container is built. */
const RUNS_AT_ONCE = new Set(['filter', 'map', 'flatMap', 'forEach', 'some', 'every', 'find', 'findIndex', 'reduce']);

/**
 * Functions written in `f` that something it builds could call later (arrow functions,
 * function expressions, object methods and accessors, nested function declarations), but
 * for callbacks of array methods, which run at once, and the object members named in `kept`.
 * In container.ts each such function is a way back into the composition at run time.
 */
export function closuresHandedOut(f: SourceFile, kept: readonly string[] = []): string[] {
  const file = ts.createSourceFile(f.path, f.text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const runsAtOnce = (node: ts.Node) => {
    const call = node.parent;
    return (
      ts.isCallExpression(call) &&
      call.arguments.some((a) => a === node) &&
      ts.isPropertyAccessExpression(call.expression) &&
      RUNS_AT_ONCE.has(call.expression.name.text)
    );
  };
  const nameOf = (node: ts.Node): string | undefined => {
    const named = ts.isPropertyAssignment(node.parent) ? node.parent : node;
    return (ts.isPropertyAssignment(named) || ts.isMethodDeclaration(named) || ts.isAccessor(named)) &&
      ts.isIdentifier(named.name)
      ? named.name.text
      : undefined;
  };
  const visit = (node: ts.Node) => {
    const fn =
      ts.isArrowFunction(node) ||
      ts.isFunctionExpression(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isAccessor(node) ||
      (ts.isFunctionDeclaration(node) && !ts.isSourceFile(node.parent));
    if (fn && !runsAtOnce(node) && !kept.includes(nameOf(node) ?? '')) {
      const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
      found.push(`${f.path}:${line + 1}: ${f.text.split('\n')[line]!.trim()}`);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}
