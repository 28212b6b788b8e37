import { writeOutputFile } from '../writeOutputFile.js';
import type { RunProfile } from './RunProfile.js';

/** Ends the profile and writes its trace as JSON to `path`. Returns the path. */
export async function writeProfile(profile: RunProfile, path: string): Promise<string> {
  await writeOutputFile(path, JSON.stringify(profile.trace()), 'the profile');
  return path;
}
