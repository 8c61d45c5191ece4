#!/usr/bin/env node
// Finding counts of every zoo model (raw and deploy form) at default settings, for docs/verdicts.md.
//   node scripts/finding-counts.mjs [DIST_DIR] > counts.json          (default DIST_DIR: ./dist)
//   node scripts/finding-counts.mjs --compare before.json after.json [REGEX]   (Markdown table)
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
if (args[0] === '--compare') {
  const [, beforePath, afterPath, filter] = args;
  const before = JSON.parse(readFileSync(beforePath, 'utf8'));
  const after = JSON.parse(readFileSync(afterPath, 'utf8'));
  const warnings = (x) => Object.values(x.warn).reduce((s, v) => s + v, 0);
  const cell = (x) =>
    `${warnings(x)}: ${
      Object.entries(x.warn)
        .sort()
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || '-'
    } (${x.info})`;
  console.log('| model | before: warnings (info) | after: warnings (info) |');
  console.log('|---|---|---|');
  const total = { b: 0, a: 0, bi: 0, ai: 0 };
  for (const name of Object.keys(after)) {
    total.b += warnings(before[name]);
    total.a += warnings(after[name]);
    total.bi += before[name].info;
    total.ai += after[name].info;
    if (!filter || new RegExp(filter).test(name))
      console.log(`| ${name} | ${cell(before[name])} | ${cell(after[name])} |`);
  }
  console.log(`| **all ${Object.keys(after).length} builds** | ${total.b} (${total.bi}) | ${total.a} (${total.ai}) |`);
} else {
  const dist = resolve(args[0] ?? 'dist');
  const { analyze, lint, listZoo } = await import(pathToFileURL(`${dist}/index.js`).href);
  const out = {};
  for (const z of listZoo()) {
    for (const deploy of [false, true]) {
      const { findings } = lint(analyze(`zoo:${z.name}`, { zoo: { deploy, weights: false } }));
      const warn = {};
      let info = 0;
      for (const f of findings) {
        if (f.severity === 'info') info += 1;
        else warn[f.ruleId] = (warn[f.ruleId] ?? 0) + 1;
      }
      out[`${z.name}${deploy ? ' (deploy)' : ''}`] = { warn, info };
    }
  }
  console.log(JSON.stringify(out));
}
