/** The image files of a folder that `detect` and the queue take: .jpg .jpeg .png .webp, not recursive, by name. */
import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.webp']);

/** Regular files only (symlinks followed), so a FIFO or a device named *.jpg is skipped instead of blocking a run. */
export function listImages(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => IMAGE_EXT.has(extname(f).toLowerCase()))
    .sort()
    .map((f) => join(dir, f))
    .filter((p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false; // a dangling symlink
      }
    });
}
