// `npm run config:docs`: writes docs/configuration.md's table and .env.example from the
// settings table (src/config/settings.ts). `--check` only says whether they are current.
import { readFileSync, writeFileSync } from 'node:fs';
import { envExample, withReadmeTable } from '../config/docs.js';

const check = process.argv.includes('--check');
const readme = readFileSync('docs/configuration.md', 'utf8');
const nextReadme = withReadmeTable(readme);
if (nextReadme === undefined) {
  console.error('docs/configuration.md has no configuration markers (<!-- config:begin … --> … <!-- config:end -->)');
  process.exit(1);
}
const files: [string, string, string][] = [
  ['docs/configuration.md', readme, nextReadme],
  ['.env.example', readFileSync('.env.example', 'utf8'), envExample()],
];
const stale = files.filter(([, now, next]) => now !== next).map(([name]) => name);
if (check) {
  if (stale.length > 0) {
    console.error(`out of date with src/config/settings.ts: ${stale.join(', ')} (run npm run config:docs)`);
    process.exit(1);
  }
} else {
  for (const [name, , next] of files) writeFileSync(name, next);
  console.log(stale.length ? `wrote ${stale.join(', ')}` : 'docs/configuration.md and .env.example are current');
}
