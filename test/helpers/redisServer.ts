import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { afterEach } from 'vitest';
import { freePort } from './remoteCacheServer.js';

const running: ChildProcess[] = [];
afterEach(() => {
  for (const server of running.splice(0)) server.kill('SIGKILL');
});

/** A test's Redis: its URL and port, one command (RESP) with the raw reply, a crash, and a restart on the same port with no data. */
export interface TestRedis {
  url: string;
  port: number;
  command(...args: string[]): Promise<string>;
  stop(): void;
  /** Kills the server (SIGKILL) and starts a new, empty one on the same port: a restart without persistence. */
  restart(): Promise<void>;
}

/**
 * A real Redis (Debian's `redis-server`, installed by scripts/ensureRedis.mjs) on a free loopback
 * port, with no persistence (and `password` as its requirepass), stopped after the test (or by
 * `stop`, as a crash).
 */
export async function startRedis(options: { password?: string } = {}): Promise<TestRedis> {
  const port = await freePort();
  const command = (...args: string[]) => redisCommand(port, args);
  let child = await serve(port, options.password, command);
  const stop = () => void child.kill('SIGKILL');
  const restart = async () => {
    child.kill('SIGKILL');
    await new Promise((done) => (child.exitCode !== null || child.signalCode !== null ? done(undefined) : child.once('exit', done)));
    child = await serve(port, options.password, command);
  };
  return { url: `redis://127.0.0.1:${port}`, port, command, stop, restart };
}

async function serve(port: number, password: string | undefined, command: (...args: string[]) => Promise<string>): Promise<ChildProcess> {
  const bin = process.env.REDIS_SERVER_PATH ?? 'redis-server';
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...(password ? ['--requirepass', password] : [])], { stdio: 'ignore' });
  running.push(child);
  const failed = new Promise<never>((_, reject) => child.once('error', () => reject(new Error(`${bin} could not be started: install it (apt-get install redis-server) or set REDIS_SERVER_PATH`))));
  const deadline = Date.now() + 15_000;
  for (;;) {
    const reply = await Promise.race([command('PING').catch(() => ''), failed]);
    // A server with a password answers NOAUTH: it is up.
    if (reply.startsWith('+PONG') || reply.startsWith('-NOAUTH')) return child;
    if (Date.now() > deadline) throw new Error('redis-server did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One command over a fresh connection, as RESP; the reply as Redis sends it. */
function redisCommand(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (complete(reply)) {
        socket.end();
        resolve(reply);
      }
    });
    socket.write(`*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`);
  });
}

/** Whether a RESP reply has arrived whole (simple, error, integer, bulk, or an array of bulk strings). */
function complete(reply: string): boolean {
  if (/^[+\-:]/.test(reply)) return reply.endsWith('\r\n');
  if (reply.startsWith('$')) return reply.startsWith('$-1\r\n') || reply.split('\r\n').length >= 3;
  if (reply.startsWith('*')) {
    const count = Number(reply.slice(1, reply.indexOf('\r\n')));
    return count <= 0 ? reply.endsWith('\r\n') : reply.split('\r\n').length >= 2 + count * 2;
  }
  return false;
}
