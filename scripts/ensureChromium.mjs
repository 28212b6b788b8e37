#!/usr/bin/env node
// The HTML report's tests open it in a real Chromium (test/helpers/browser.ts). `npm test` runs
// this first: with CHROMIUM_PATH set or a system Chromium found, nothing to do; otherwise Debian's
// `chromium` package is installed as ensureSystemPackage says.
import { existsSync } from 'node:fs';
import { ensureSystemPackage } from './ensureSystemPackage.mjs';

const found = process.env.CHROMIUM_PATH !== undefined || ['/usr/bin/chromium', '/usr/bin/chromium-browser'].some((path) => existsSync(path));
ensureSystemPackage({ found, debianPackage: 'chromium', purpose: 'the report tests', variable: 'CHROMIUM_PATH' });
