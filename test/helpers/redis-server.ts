import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { freePort } from './ports.js';

export interface RedisServerOptions {
  /**
   * Persistence as `redis-server` flags. The default is the setting the money stores require:
   * an append-only file synced before every reply.
   * @default { appendonly: 'yes', appendfsync: 'always' }
   */
  appendonly?: 'yes' | 'no';
  appendfsync?: 'always' | 'everysec' | 'no';
  /** Extra `--name value` settings, e.g. `{ 'maxmemory-policy': 'allkeys-lru' }`. */
  config?: Record<string, string>;
}

export interface RunningRedisServer {
  /** `redis://127.0.0.1:<port>/0` */
  url: string;
  port: number;
  /** Kills the server with SIGKILL (no shutdown save) and starts it again on the same folder and port. */
  crashAndRestart(): Promise<void>;
  /** Kills the server with SIGKILL and leaves it down, until `restart()`. */
  crash(): Promise<void>;
  /** Starts a crashed server again on the same folder and port (its AOF replayed). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';

/**
 * Starts a real `redis-server` on a free loopback port with its own temporary folder. When it
 * cannot start, this throws: a test that needs Redis fails, it is never skipped.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RunningRedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'wa-check-redis-'));
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.appendonly ?? 'yes',
    '--appendfsync',
    options.appendfsync ?? 'always',
    ...Object.entries(options.config ?? {}).flatMap(([name, value]) => [`--${name}`, value]),
  ];
  let child = await launch(args);
  let stopped = false;
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    async crashAndRestart() {
      await kill(child, 'SIGKILL');
      child = await launch(args);
    },
    async crash() {
      await kill(child, 'SIGKILL');
    },
    async restart() {
      child = await launch(args);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill(child, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** For a test file: `start(options)` starts a server that is stopped after each test. */
export function useRedisServers(): (options?: RedisServerOptions) => Promise<RunningRedisServer> {
  const running: RunningRedisServer[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((server) => server.stop()));
  });
  return async (options) => {
    const server = await startRedisServer(options);
    running.push(server);
    return server;
  };
}

/** Resolves once the server says it accepts connections (after replaying its AOF). */
async function launch(args: string[]): Promise<ChildProcess> {
  const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (error) => reject(new Error(`redis-server could not be started: ${error.message}`)));
    child.once('exit', (code, signal) =>
      reject(new Error(`redis-server exited (${code ?? signal}) before it was ready:\n${output.slice(-2000)}`)),
    );
  });
  try {
    await ready;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return child;
}

async function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

/** A port the kernel just handed out on loopback, released for redis-server to take. */
