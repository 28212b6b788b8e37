import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GroupSampler } from '../process/GroupSampler.js';

/** Waits (polling) until `check` holds. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
}

/**
 * A parent process whose child burns 400 ms of CPU time and waits for `release-child`; the
 * parent reaps it, then waits for `release-parent` (polling a file: it starts no more processes).
 * The test decides when each process may end, so what each sample sees does not depend on timing.
 */
function parentWithBusyChild() {
  const dir = mkdtempSync(join(tmpdir(), 'orch-sampler-'));
  const file = (name: string): string => join(dir, name);
  // It reads its CPU time rarely: that read is a system call, and system time would blur the figure.
  const busy = `const f=require('fs'),t=process.cpuUsage();let n=0;while(process.cpuUsage(t).user<400000)for(let i=0;i<1e6;i++)n+=i;f.writeFileSync(${JSON.stringify(file('burnt'))},'');(function w(){f.existsSync(${JSON.stringify(file('release-child'))})?0:setTimeout(w,10)})()`;
  const parent = `const f=require('fs');require('child_process').spawn(process.execPath,['-e',${JSON.stringify(busy)}],{stdio:'ignore'}).on('exit',()=>(function w(){f.existsSync(${JSON.stringify(file('release-parent'))})?0:setTimeout(w,10)})())`;
  const child = spawn(process.execPath, ['-e', parent], { detached: true, stdio: 'ignore' });
  const leader = child.pid!;
  return {
    leader,
    burnt: () => existsSync(file('burnt')),
    release: (name: 'release-child' | 'release-parent') => writeFileSync(file(name), ''),
    childless: () => readFileSync(`/proc/${leader}/task/${leader}/children`, 'utf8').trim() === '',
    exited: new Promise((resolve) => child.on('exit', resolve)),
  };
}

describe.runIf(GroupSampler.available())('GroupSampler', () => {
  it("counts an ended child's CPU time once, through its parent when the parent was seen after reaping it", async () => {
    const tree = parentWithBusyChild();
    const sampler = new GroupSampler(tree.leader);
    await until(tree.burnt);
    sampler.sample();
    tree.release('release-child');
    await until(tree.childless);
    sampler.sample();
    tree.release('release-parent');
    await tree.exited;
    const { cpuMs, samples } = sampler.totals();
    expect(samples).toBe(2);
    expect(cpuMs).toBeGreaterThanOrEqual(400);
    expect(cpuMs).toBeLessThan(800);
  }, 30_000);

  it('still counts it when the parent ended before another sample', async () => {
    const tree = parentWithBusyChild();
    const sampler = new GroupSampler(tree.leader);
    await until(tree.burnt);
    sampler.sample();
    tree.release('release-child');
    tree.release('release-parent');
    await tree.exited;
    expect(sampler.totals().cpuMs).toBeGreaterThanOrEqual(400);
  }, 30_000);
});
