import type { AnyRule } from './define-rule.js';
import { e101 } from './e101.js';
import { e102 } from './e102.js';
import { e103 } from './e103.js';
import { e104 } from './e104.js';
import { g1 } from './g1.js';
import { g2 } from './g2.js';
import { g3 } from './g3.js';
import { g4 } from './g4.js';

/**
 * Indexes rules by id and by name. A duplicate id or name is a programming error and throws when
 * the module loads, so a clash can never silently replace a rule.
 */
export function createRuleRegistry(rules: readonly AnyRule[]): ReadonlyMap<string, AnyRule> {
  const byId = new Map<string, AnyRule>();
  const names = new Set<string>();
  for (const rule of rules) {
    const { id, name } = rule.meta;
    if (byId.has(id)) throw new Error(`rule registry: duplicate rule id '${id}'`);
    if (names.has(name)) throw new Error(`rule registry: duplicate rule name '${name}'`);
    if (!/^(G|E)\d+$/.test(id)) throw new Error(`rule registry: id '${id}' is not G<n> or E<nnn>`);
    if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) throw new Error(`rule registry: name '${name}' is not kebab-case`);
    byId.set(id, rule);
    names.add(name);
  }
  return byId;
}

/** Every rule, in id order: the paper's guidelines G1-G4, then the extras. One line per rule. */
export const RULES: readonly AnyRule[] = Object.freeze<AnyRule[]>([g1, g2, g3, g4, e101, e102, e103, e104]);

/** id -> rule (read-only). */
export const RULE_REGISTRY: ReadonlyMap<string, AnyRule> = createRuleRegistry(RULES);

/** Looks a rule up by id ('G1') or name ('unbalanced-channels'). */
export function findRule(idOrName: string): AnyRule | undefined {
  return RULE_REGISTRY.get(idOrName) ?? RULES.find((r) => r.meta.name === idOrName);
}
