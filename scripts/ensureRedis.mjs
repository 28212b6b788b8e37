#!/usr/bin/env node
// The distributed-run tests (test/distributed/) start a real Redis (test/helpers/redisServer.ts).
// `npm test` runs this first: with REDIS_SERVER_PATH set or a redis-server on the PATH, nothing to
// do; otherwise Debian's `redis-server` package is installed as ensureSystemPackage says (its
// service is not needed: the tests start their own server on a free loopback port).
import { ensureSystemPackage, onPath } from './ensureSystemPackage.mjs';

const found = process.env.REDIS_SERVER_PATH !== undefined || onPath('redis-server');
ensureSystemPackage({ found, debianPackage: 'redis-server', purpose: 'the distributed-run tests', variable: 'REDIS_SERVER_PATH' });
