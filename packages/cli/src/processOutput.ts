/**
 * Output with nowhere to go (a closed terminal after SIGHUP: EIO; a closed pipe: EPIPE) is
 * dropped, so orch still stops its tasks and records the session instead of dying mid-way; the
 * returned signal aborts when stdout's reader has gone, for a command that only prints
 * (`status --watch`) to end.
 */
export function dropOutputWithNowhereToGo(): AbortSignal {
  const closed = new AbortController();
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (!['EPIPE', 'EIO', 'ERR_STREAM_DESTROYED'].includes(error.code ?? '')) throw error;
      if (stream === process.stdout) closed.abort();
    });
  }
  return closed.signal;
}

/**
 * Ends the process with `code` once everything written to stdout and stderr is out (a pipe to a
 * slow reader may still hold megabytes). Ending it explicitly, rather than when the event loop
 * empties, means a timer or a server that a config or plugin left open (`setInterval`,
 * `listen(0)`) never keeps orch alive after its command is done (issue 12, findings #4).
 */
export function exitWhenFlushed(code: number): void {
  let pending = 2;
  for (const stream of [process.stdout, process.stderr]) {
    stream.write('', () => {
      if (--pending === 0) process.exit(code);
    });
  }
}
