import { closeSync, readdirSync, readFileSync } from 'node:fs';

/** `O_CLOEXEC` in the octal `flags:` of `/proc/self/fdinfo/<fd>` (Linux). */
const O_CLOEXEC = 0o2000000;

/**
 * Closes the file descriptors above stderr that the daemon inherited from the orch that started
 * it (and from that orch's parent: a shell's `251>&1`, a tool's pipe). A detached daemon holding
 * the write end of its starter's pipe keeps the reader waiting for end of file for as long as the
 * daemon lives (break-it finding 5). Node and libuv open their own descriptors with
 * `O_CLOEXEC`, so a descriptor without it was inherited. Linux only (`/proc/self/fdinfo`):
 * elsewhere nothing is closed. Returns how many were closed.
 */
export function closeInheritedDescriptors(): number {
  let names: string[];
  try {
    names = readdirSync('/proc/self/fd');
  } catch {
    return 0;
  }
  let closed = 0;
  for (const name of names) {
    const fd = Number(name);
    if (!Number.isInteger(fd) || fd <= 2) continue;
    try {
      const flags = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1];
      if (flags === undefined || (parseInt(flags, 8) & O_CLOEXEC) !== 0) continue;
      closeSync(fd);
      closed++;
    } catch {
      // Gone meanwhile (the listing's own descriptor), or not ours to close.
    }
  }
  return closed;
}
