#!/usr/bin/env node
// The completion tests (test/cli/completion.test.ts) run `orch completion`'s scripts in real
// bash, zsh and fish. `npm test` runs this first: with all three on PATH, nothing to do;
// otherwise the missing ones are installed as ensureSystemPackage says.
import { ensureSystemPackage, onPath } from './ensureSystemPackage.mjs';

const missing = ['bash', 'zsh', 'fish'].filter((shell) => !onPath(shell));
ensureSystemPackage({ found: missing.length === 0, debianPackage: missing, purpose: 'the completion tests' });
