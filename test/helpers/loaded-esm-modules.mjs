// Preloaded into a CLI child (NODE_OPTIONS=--import): at exit, the main thread writes the ES
// modules it loaded (their URLs) to $LOADED_ESM_FILE. A module loader hook sees each load and
// tells the main thread through a port; the input worker's loads are not counted.
import { writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { isMainThread, MessageChannel } from 'node:worker_threads';

if (isMainThread && process.env.LOADED_ESM_FILE) {
  const { port1, port2 } = new MessageChannel();
  const loaded = [];
  port1.on('message', (url) => loaded.push(url));
  port1.unref();
  register('./loaded-esm-hooks.mjs', { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });
  process.on('exit', () => writeFileSync(process.env.LOADED_ESM_FILE, JSON.stringify(loaded)));
}
