// Preloaded into a child gateway (`--import ./test/helpers/module-recorder.ts`): records
// every module it loads, ESM (a resolve hook, in the loader thread) and CommonJS
// (Module._load), and prints the list on exit as `LOADED-MODULES [...]` on stderr.
import { writeSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const seen = new Set<string>();
const { port1, port2 } = new MessageChannel();
port1.on('message', (url: string) => seen.add(url));
port1.unref();
register('./module-recorder-hooks.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] });

type Load = (request: string, ...rest: unknown[]) => unknown;
const Module = createRequire(import.meta.url)('node:module') as { _load: Load };
const load = Module._load;
Module._load = function (this: unknown, request: string, ...rest: unknown[]) {
  seen.add(request);
  return load.call(this, request, ...rest);
};
process.on('exit', () => {
  writeSync(2, `\nLOADED-MODULES ${JSON.stringify([...seen])}\n`);
});
