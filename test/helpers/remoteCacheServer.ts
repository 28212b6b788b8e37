import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { tempRepo } from './tempRepo.js';

const CLI = fileURLToPath(new URL('../../node_modules/turborepo-remote-cache/dist/cli.js', import.meta.url));
const running: ChildProcess[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) server.kill('SIGKILL');
});

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** The real `turborepo-remote-cache` server on loopback, with local storage in a temp folder. */
export async function startRemoteCache(token = 'test-token'): Promise<{ url: string; token: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI], {
    env: { ...process.env, PORT: String(port), TURBO_TOKEN: token, STORAGE_PROVIDER: 'local', STORAGE_PATH: tempRepo({}, { git: false }), NODE_ENV: 'production', LOG_LEVEL: 'error' },
    stdio: 'ignore',
  });
  running.push(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const response = await fetch(`${url}/v8/artifacts/status?slug=ci`, { headers: { authorization: `Bearer ${token}` } });
      if (response.ok) return { url, token };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('turborepo-remote-cache did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A loopback server that answers every request with `status`, or never (status 0). It runs in
 * its own process: the tests run orch with spawnSync, which blocks this one.
 */
export async function startBrokenServer(status: number): Promise<{ url: string; requests: () => number }> {
  const port = await freePort();
  const counter = join(tempRepo({}, { git: false }), 'requests');
  writeFileSync(counter, '');
  const script = `
    const fs = require('fs');
    require('http').createServer((request, response) => {
      fs.appendFileSync(${JSON.stringify(counter)}, 'x');
      if (${status} === 0) return;
      response.writeHead(${status}).end('broken');
    }).listen(${port}, '127.0.0.1', () => console.log('ready'));
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  running.push(child);
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  return { url: `http://127.0.0.1:${port}`, requests: () => readFileSync(counter, 'utf8').length };
}
