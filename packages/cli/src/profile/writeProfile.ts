import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { RunProfile } from './RunProfile.js';

/** Ends the profile and writes its trace as JSON to `path` (atomically, folders made). Returns the path. */
export async function writeProfile(profile: RunProfile, path: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, JSON.stringify(profile.trace()));
  return path;
}
