// `npm run schema:emit` writes schema/schema.graphql from the resolvers;
// `npm run schema:check` fails when the committed file is stale.
import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { gatewaySdl } from '../plugins/resolvers.js';

const FILE = 'schema/schema.graphql';
const sdl = await gatewaySdl();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(FILE, 'utf8');
  } catch {}
  if (current !== sdl) {
    console.error(`${FILE} is stale: run \`npm run schema:emit\` and commit the result.`);
    process.exit(1);
  }
  console.log(`${FILE} is current.`);
} else {
  writeFileSync(FILE, sdl);
  console.log(`wrote ${FILE}`);
}
