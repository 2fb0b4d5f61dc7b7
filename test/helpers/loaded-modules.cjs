// Preloaded into a CLI child (NODE_OPTIONS=--require): at exit, the main thread writes the
// CommonJS modules it loaded (exceljs, level's bindings...) to $LOADED_MODULES_FILE.
const { isMainThread } = require('node:worker_threads');
const { writeFileSync } = require('node:fs');
const Module = require('node:module');

if (isMainThread && process.env.LOADED_MODULES_FILE) {
  process.on('exit', () => {
    writeFileSync(process.env.LOADED_MODULES_FILE, JSON.stringify(Object.keys(Module._cache)));
  });
}
