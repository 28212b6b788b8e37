import type { Writable } from 'node:stream';

/**
 * Bytes written to orch's stdout or stderr and not yet taken by the reader past which task
 * output waits: a pipe read slowly (`orch run | slow-reader`) otherwise buffers everything a task
 * prints in orch's memory (FINDINGS-11, 2). A terminal or a file takes writes at once.
 */
export const OUTPUT_BOUND = 1024 * 1024;

/**
 * Backpressure from orch's own output streams (`EngineOutput.congested` and `drained`): congested
 * while a stream holds more than `bound` bytes for its reader; drained once each has emptied
 * (`drain`) or closed (a reader gone: what is written then is dropped, so nothing waits for it).
 */
export function outputFlow(streams: readonly Writable[], bound = OUTPUT_BOUND): { congested(): boolean; drained(): Promise<void> } {
  const full = (): Writable | undefined => streams.find((stream) => !stream.destroyed && stream.writableLength > bound);
  const waits = new Map<Writable, Promise<void>>();
  const emptied = (stream: Writable): Promise<void> => {
    let wait = waits.get(stream);
    if (!wait) {
      wait = new Promise<void>((resolve) => {
        const done = (): void => {
          stream.off('drain', done);
          stream.off('close', done);
          waits.delete(stream);
          resolve();
        };
        stream.on('drain', done);
        stream.on('close', done);
      });
      waits.set(stream, wait);
    }
    return wait;
  };
  return {
    congested: () => full() !== undefined,
    async drained() {
      for (let stream = full(); stream; stream = full()) await emptied(stream);
    },
  };
}
