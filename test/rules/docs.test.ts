import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DeviceProfile } from '../../src/analyzers/roofline.js';
import type { RuntimeName } from '../../src/analyzers/runtime/types.js';
import { analyzeFile } from '../../src/api.js';
import type { OptionSpec } from '../../src/rules/define-rule.js';
import { lintAnalysis } from '../../src/rules/lint.js';
import { RULES } from '../../src/rules/registry.js';
import { at } from '../../src/util/at.js';

const DOCS = new URL('../../docs/rules/', import.meta.url);
const HEADINGS = [
  'What it flags',
  'Why it matters',
  'Example',
  'Use instead',
  'Options',
  'When not to use it',
  'References',
];

interface Page {
  front: Record<string, string>;
  title: string;
  sections: Map<string, string>;
}

function readPage(id: string): Page {
  const text = readFileSync(new URL(`${id}.md`, DOCS), 'utf8');
  const fm = /^---\n([\s\S]*?)\n---\n/.exec(text);
  if (!fm) throw new Error(`docs/rules/${id}.md: no front matter`);
  const front = Object.fromEntries(
    at(fm, 1)
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  const body = text.slice(fm[0].length);
  const title = /^# (.+)$/m.exec(body)?.[1] ?? '';
  const sections = new Map<string, string>();
  const parts = body.split(/^## /m).slice(1);
  for (const p of parts) sections.set(p.slice(0, p.indexOf('\n')).trim(), p.slice(p.indexOf('\n') + 1));
  return { front, title, sections };
}

describe('rule docs pages (docs/rules/<id>.md)', () => {
  it('exist for every rule, and every page belongs to a rule', () => {
    const pages = readdirSync(DOCS)
      .filter((f) => f.endsWith('.md'))
      .map((f) => f.replace(/\.md$/, ''))
      .sort();
    expect(pages).toEqual(RULES.map((r) => r.meta.id).sort());
  });

  describe.each(RULES.map((r) => [r.meta.id, r] as const))('%s', (id, rule) => {
    const page = readPage(id);

    it('front matter and title match the rule meta', () => {
      expect(page.front).toMatchObject({
        id,
        name: rule.meta.name,
        category: rule.meta.category,
        severity: rule.meta.defaultSeverity,
        fixable: 'false',
      });
      if (rule.meta.requires?.length) expect(page.front.requires).toBe(rule.meta.requires.join(', '));
      expect(page.title).toBe(`${id} ${rule.meta.name}`);
    });

    it('uses the fixed headings, in order', () => {
      expect([...page.sections.keys()]).toEqual(HEADINGS);
    });

    it('says why each threshold option has its default', () => {
      const options = page.sections.get('Options')!;
      for (const [name, spec] of Object.entries(rule.meta.options as Readonly<Record<string, OptionSpec>>)) {
        if (spec.type !== 'number' && spec.type !== 'integer') continue;
        const entry =
          new RegExp(`^- \`${name}\`[\\s\\S]*?(?=^- \`|^\`\`\`|(?![\\s\\S]))`, 'm').exec(options)?.[0] ?? '';
        expect(entry, `${id}.${name}: a "Why this number:" line`).toMatch(/Why this number:/);
      }
    });

    it("documents exactly the rule's options, with their defaults", () => {
      const options = page.sections.get('Options')!;
      const documented = [...options.matchAll(/^- `(\w+)` \(default: `([^`]+)`\)/gm)].map((m): [string, string] => [
        at(m, 1),
        at(m, 2),
      ]);
      const specs = rule.meta.options as Readonly<Record<string, OptionSpec>>;
      expect(documented.map((d) => d[0])).toEqual(Object.keys(rule.meta.defaultOptions));
      for (const [name, value] of documented) {
        const spec = specs[name];
        expect(spec, `${id}.${name}: an option of the rule`).toBeDefined();
        expect(value).toBe(String(spec?.default));
      }
      if (documented.length === 0) expect(options.trim().startsWith('None.')).toBe(true);
    });

    it('its example triggers the rule on the zoo model it names', () => {
      const example = page.sections.get('Example')!;
      const cmd = /efflint lint (zoo:\w+)( --runtime (\S+))?( --device-profile \S+)?/.exec(example);
      if (!cmd) throw new Error(`${id}: the example has no \`efflint lint zoo:NAME\` command`);
      const profileJson = /```json\n([\s\S]*?)\n```/.exec(example)?.[1];
      const deviceProfile = cmd[4] ? (JSON.parse(profileJson!) as DeviceProfile) : undefined;
      const runtime = cmd[3] as RuntimeName | undefined;
      const findings = lintAnalysis(analyzeFile(at(cmd, 1)), { ruleSet: [rule], deviceProfile, runtime }).findings;
      expect(findings.length).toBeGreaterThan(0);
      // The output excerpt (share, severity, rule, node, message) names a node the rule really reports.
      const shownNode = /^\s*(?:[<\d.]+%\s+)?(?:warning|info|error)\s+\w+\s+(\S+)/m.exec(example)?.[1];
      const nodes = findings.map((f) => f.node ?? '(model)');
      expect(nodes).toContain(shownNode);
    });
  });
});
