#!/usr/bin/env node
// The distributed-run tests (test/distributed/) start a real Redis (test/helpers/redisServer.ts).
// `npm test` runs this first: with REDIS_SERVER_PATH set or a redis-server on the PATH, nothing to
// do; otherwise, as root on a Debian-like system (CI, a fresh machine), Debian's `redis-server`
// package is installed with apt-get (its service is not needed: the tests start their own server);
// elsewhere it says what to install (those tests then fail saying so, never skipped).
import { execFileSync, spawnSync } from 'node:child_process';

const onPath = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
if (process.env.REDIS_SERVER_PATH || onPath('redis-server')) process.exit(0);

if (process.getuid?.() === 0 && onPath('apt-get')) {
  console.log('setup: installing Redis for the distributed-run tests (apt-get install redis-server)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'redis-server'], { stdio: ['ignore', 'ignore', 'inherit'], env });
} else {
  console.warn('setup: no redis-server found; the distributed-run tests need one: install it (Debian/Ubuntu: apt-get install redis-server) or set REDIS_SERVER_PATH');
}
