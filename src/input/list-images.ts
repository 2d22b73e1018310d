/** The image files of a folder that `detect` and the queue take: .jpg .jpeg .png .webp, not recursive, by name. */
import { readdirSync } from 'node:fs';
import { extname, join } from 'node:path';

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.webp']);

export function listImages(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => IMAGE_EXT.has(extname(f).toLowerCase()))
    .sort()
    .map((f) => join(dir, f));
}
