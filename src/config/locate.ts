import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** File names looked for, in order, in each directory from the working directory upward. */
export const CONFIG_FILE_NAMES = ['efflint.config.json'] as const;

/** The nearest config file from `cwd` upward to the filesystem root, or null. */
export function findConfigFile(cwd: string): string | null {
  let dir = resolve(cwd);
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = join(dir, name);
      if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}
