// Preloaded into a CLI child run with --allow-natives-syntax: at exit, the main thread writes to
// $STRING_PROTOTYPE_FILE whether String.prototype still has fast properties. A module that makes
// it the prototype of another object (ioredis's `class VerbatimString extends String`) turns it
// into a dictionary, and every string method call of the job's thread then costs ~3x.
import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

if (isMainThread && process.env.STRING_PROTOTYPE_FILE) {
  const hasFastProperties = new Function('return %HasFastProperties(String.prototype)');
  if (process.env.EXTEND_STRING) globalThis.extended = class extends String {};
  process.on('exit', () => writeFileSync(process.env.STRING_PROTOTYPE_FILE, JSON.stringify(hasFastProperties())));
}
