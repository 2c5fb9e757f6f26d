import { open, type FileHandle } from 'node:fs/promises';

/**
 * Makes a rename or a new file in `dir` durable: fsyncs the directory itself. Not every
 * platform can (Windows); a rename is atomic regardless, so a failure is ignored.
 */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // See above: durability is best effort where the platform cannot fsync a directory.
  } finally {
    await handle?.close();
  }
}
