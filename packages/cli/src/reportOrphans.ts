import type { OrphanReport } from '@orch/plugins';
import type { CliIO } from './CliCommand.js';

/** Says what runs killed with `kill -9` had left running, and what was done about it. */
export function reportOrphans(reports: readonly OrphanReport[], io: CliIO): void {
  for (const report of reports) {
    const who = `session ${report.session}${report.owner ? ` (\`orch ${report.owner.argv.join(' ')}\`, pid ${report.owner.pid})` : ''}`;
    if (report.ended.length > 0) {
      const groups = report.ended.map((group) => `${group.task} (process group ${group.pid}, ${group.processes} process${group.processes === 1 ? '' : 'es'})`);
      io.stderr(`orch: ${who} was killed and left tasks running; ended them before starting: ${groups.join(', ')}\n`);
    }
    if (report.unverified.length > 0) {
      const groups = report.unverified.map((group) => `${group.task} (pid ${group.pid})`);
      io.stderr(`orch: ${who} was killed and may have left tasks running: ${groups.join(', ')}; not ended, since this system cannot tell whether those pids are still its processes\n`);
    }
  }
}
