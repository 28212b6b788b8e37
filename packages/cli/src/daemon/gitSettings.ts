import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Sections of a repository's git config that cannot change what git says of the work tree, the
 * index or commits (where branches track, remotes, who commits, how to fetch, push, merge...).
 */
const UNRELATED_SETTINGS = /^(?:branch|remote|user|author|committer|gc|pull|push|fetch|credential|rerere|alias|init|http|https|color|commit|tag|log|advice|maintenance|help|pager|sequence|rebase|merge|mergetool|difftool|gui|format|sendemail|am|credentialcache|safe|lfs)\./i;

/**
 * The repository's own git settings (`.git/config`) that may change git's answers: all but
 * `UNRELATED_SETTINGS`, as `git config --local --list` gives them (includes followed). A change
 * of these ends the daemon's trust; `git branch`, `git fetch` and the like write the file
 * without changing them, and the daemon goes on.
 */
export async function gitSettings(root: string): Promise<string> {
  const { stdout } = await run('git', ['config', '--local', '--list', '-z'], { cwd: root }).catch(() => ({ stdout: '\0unreadable' }));
  return stdout
    .split('\0')
    .filter((entry) => entry !== '' && !UNRELATED_SETTINGS.test(entry))
    .join('\0');
}
