import { readdirSync, statSync } from 'node:fs';
import { join as pathJoin } from 'node:path';
import { at } from './at.js';

/**
 * Minimal glob matching for node names and model paths: `*` matches any run of characters except
 * `/`, `**` any run including `/`, `?` one character; everything else is literal. Node names use
 * `.` and `/` freely, so for them `*` also crosses `/` (pass `{ slashes: false }`).
 */
export function globToRegExp(pattern: string, options: { readonly slashes?: boolean } = {}): RegExp {
  const slashes = options.slashes ?? true;
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = at(pattern, i);
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i += 1;
        if (pattern[i + 1] === '/') {
          i += 1;
          re += '(?:.*/)?';
        } else {
          re += '.*';
        }
      } else {
        re += slashes ? '[^/]*' : '.*';
      }
    } else if (c === '?') {
      re += slashes ? '[^/]' : '.';
    } else {
      re += c.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

/** True when the string has glob characters. */
export function isGlob(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

/**
 * Expands a file glob (`models/*.onnx`, `**\/*.onnx`) against the file system, relative to `cwd`
 * (Node 20 has no fs.glob). Returns matching files, sorted, spelled as the pattern spells its
 * directories. Hidden entries and node_modules are skipped unless the pattern names them.
 */
export function expandGlob(pattern: string, cwd: string): string[] {
  const normalized = pattern.replace(/\\/g, '/');
  const absolute = normalized.startsWith('/');
  let candidates: { shown: string; real: string }[] = [{ shown: absolute ? '/' : '', real: absolute ? '/' : cwd }];
  const join = (a: string, b: string): string => (a === '' ? b : a.endsWith('/') ? a + b : `${a}/${b}`);
  const isDir = (p: string): boolean => {
    try {
      return statSync(p).isDirectory();
    } catch {
      return false;
    }
  };
  const list = (p: string): string[] => {
    try {
      return readdirSync(p).sort();
    } catch {
      return [];
    }
  };
  for (const seg of normalized.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '**') {
      const all: { shown: string; real: string }[] = [];
      const walk = (c: { shown: string; real: string }): void => {
        all.push(c);
        for (const name of list(c.real)) {
          if (name.startsWith('.') || name === 'node_modules') continue;
          const next = { shown: join(c.shown, name), real: pathJoin(c.real, name) };
          if (isDir(next.real)) walk(next);
        }
      };
      candidates.filter((c) => isDir(c.real)).forEach(walk);
      candidates = all;
    } else if (isGlob(seg)) {
      const re = globToRegExp(seg);
      candidates = candidates.flatMap((c) =>
        list(c.real)
          .filter((name) => re.test(name) && (!name.startsWith('.') || seg.startsWith('.')))
          .map((name) => ({ shown: join(c.shown, name), real: pathJoin(c.real, name) })),
      );
    } else {
      candidates = candidates.map((c) => ({ shown: join(c.shown, seg), real: pathJoin(c.real, seg) }));
    }
  }
  const files = new Set<string>();
  for (const c of candidates) {
    try {
      if (statSync(c.real).isFile()) files.add(c.shown);
    } catch {
      // not there: no match
    }
  }
  return [...files].sort();
}
