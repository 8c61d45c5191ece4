import type { Command } from 'commander';
import { Chalk } from 'chalk';
import { Option } from 'commander';
import { alignTable } from '../../report/shared/text-table.js';
import type { AnyRule, OptionSpec } from '../../rules/define-rule.js';
import { RULES } from '../../rules/registry.js';
import { EXIT_OK } from '../../util/exit-codes.js';
import type { CliIO } from '../io.js';
import { useColor } from '../io.js';

/** Options of `efflint rules`. */
export interface RulesArgs {
  readonly format: 'text' | 'json';
}

/** One rule as `efflint rules --format json` lists it. */
export function describeRule(rule: AnyRule): Record<string, unknown> {
  const m = rule.meta;
  return {
    id: m.id,
    name: m.name,
    category: m.category,
    defaultSeverity: m.defaultSeverity,
    description: m.description,
    docsUrl: m.docsUrl,
    requires: m.requires ?? [],
    options: Object.fromEntries(
      Object.entries(m.options as Readonly<Record<string, OptionSpec>>).map(([k, s]) => [
        k,
        { type: s.type, default: s.default, description: s.description },
      ]),
    ),
  };
}

/** `efflint rules`: every rule with id, name, default severity, description and docs link. */
export function runRules(args: RulesArgs, io: CliIO): number {
  if (args.format === 'json') {
    io.stdout(JSON.stringify(RULES.map(describeRule), null, 2) + '\n');
    return EXIT_OK;
  }
  const c = new Chalk({ level: useColor(io) ? 1 : 0 });
  const rows = RULES.map((r) => [c.bold(r.meta.id), r.meta.name, r.meta.defaultSeverity, r.meta.description]);
  const lines = alignTable(
    [[c.bold('id'), c.bold('name'), c.bold('default'), c.bold('description')], ...rows],
    [false, false, false, false],
  );
  const out = [lines[0]];
  RULES.forEach((r, i) => {
    out.push(lines[i + 1]);
    out.push(c.dim(`    docs: ${r.meta.docsUrl}${r.meta.requires?.length ? `  (needs --device-profile)` : ''}`));
  });
  io.stdout(out.join('\n') + '\n');
  return EXIT_OK;
}

/** Registers `efflint rules` on the program; `done` receives the exit code. */
export function defineRules(program: Command, io: CliIO, done: (code: number) => void): void {
  program
    .command('rules')
    .description('list the lint rules: id, name, default severity, description, docs')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((opts: RulesArgs) => done(runRules(opts, io)));
}
