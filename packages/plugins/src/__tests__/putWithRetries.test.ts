import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RemoteCache } from '../cache/RemoteCache.js';
import { putWithRetries } from '../cache/RemoteCachePlugin.js';

let server: Server | undefined;
let folder: string | undefined;
afterEach(() => {
  server?.close();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

/** A real server on loopback that answers each PUT with `answers` in turn ('reset': the connection dropped mid-request). */
async function serving(answers: (number | 'reset')[]): Promise<{ url: string; puts: () => number }> {
  let puts = 0;
  server = createServer((request, response) => {
    const answer = answers[Math.min(puts++, answers.length - 1)]!;
    if (answer === 'reset') return void request.socket.destroy();
    request.resume();
    request.on('end', () => response.writeHead(answer).end());
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, puts: () => puts };
}

function artifact(): string {
  folder = mkdtempSync(join(tmpdir(), 'orch-put-'));
  writeFileSync(join(folder, 'a.tgz'), 'payload');
  return join(folder, 'a.tgz');
}

describe('uploads to the remote cache (issue 16: a dropped connection must not fail a distributed job)', () => {
  it('tries again after a dropped connection or a 5xx, and succeeds', async () => {
    const { url, puts } = await serving(['reset', 503, 200]);
    const remote = new RemoteCache({ url, token: 't', timeoutMs: 5_000, failureLimit: 5 });
    await putWithRetries(remote, 'abc', artifact(), 10);
    expect(puts()).toBe(3);
  });

  it('does not try again after a refusal (4xx)', async () => {
    const { url, puts } = await serving([413, 200]);
    const remote = new RemoteCache({ url, token: 't', timeoutMs: 5_000 });
    await expect(putWithRetries(remote, 'abc', artifact(), 10)).rejects.toThrow(/refused the upload/);
    expect(puts()).toBe(1);
  });

  it('gives up after three attempts', async () => {
    const { url, puts } = await serving(['reset']);
    const remote = new RemoteCache({ url, token: 't', timeoutMs: 5_000, failureLimit: 10 });
    await expect(putWithRetries(remote, 'abc', artifact(), 10)).rejects.toThrow();
    expect(puts()).toBe(3);
  });
});
