/**
 * The alert rules of a deployment: the two defaults, or the rules file named by ALERT_RULES (JSON
 * or YAML, `{ rules: [...] }`), validated against AlertRulesFileSchema at start-up. Every problem
 * names the rule (its id, or its position when it has none) and the field, so a bad file fails the
 * start with something a user can fix.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Settings } from 'typebox/system';
import { parse as parseYaml } from 'yaml';
import {
  type AlertRule,
  AlertRuleSchema,
  type AlertRuleSpec,
  AlertRulesFileSchema,
  DEFAULT_ALERT_COOLDOWN_MS,
  DEFAULT_ALERT_MIN_TWEETS,
  DEFAULT_ALERT_RULES,
  DEFAULT_ALERT_WINDOW_MS,
  MAX_ALERT_WINDOW_MS,
} from '../../schemas/alerts.js';
import { normalizeSymbol } from '../../schemas/symbol.js';
import { MINUTE_MS } from '../../schemas/time.js';

export interface RuleProblem {
  /** `rule 'id'`, `rules[2]` when it has no usable id, or `$` for the file as a whole */
  rule: string;
  /** dotted path inside the rule, e.g. `price.change_at_most`; `$` for the rule itself */
  field: string;
  reason: string;
}

export class AlertRulesError extends Error {
  constructor(
    readonly source: string,
    readonly problems: RuleProblem[],
  ) {
    super(
      `ALERT_RULES (${source}) is invalid:\n${problems
        .map((p) => `  ${p.rule}${p.field === '$' ? '' : ` field ${p.field}`}: ${p.reason}`)
        .join('\n')}`,
    );
    this.name = 'AlertRulesError';
  }
}

const checkFile = Compile(AlertRulesFileSchema);

interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

/** The rules of ALERT_RULES (`path`), or the defaults when it is unset. */
export async function loadAlertRules(path: string | undefined): Promise<AlertRule[]> {
  if (path === undefined) return DEFAULT_ALERT_RULES.map(resolveRule);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new AlertRulesError(path, [
      { rule: '$', field: '$', reason: `cannot be read: ${(error as Error).message}` },
    ]);
  }
  return parseAlertRules(text, path);
}

/** Parses and validates a rules file's text; YAML unless `source` ends in `.json`. */
export function parseAlertRules(text: string, source: string): AlertRule[] {
  let value: unknown;
  try {
    value = extname(source).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new AlertRulesError(source, [
      {
        rule: '$',
        field: '$',
        reason: `is not valid ${extname(source) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`,
      },
    ]);
  }
  const problems = checkFile.Check(value) ? [] : schemaProblems(value);
  // The checks between fields too, on what they can read, so that a file's problems come at once.
  const rules = (value as { rules?: unknown } | null)?.rules;
  for (const p of Array.isArray(rules) ? semanticProblems(rules) : [])
    if (!problems.some((q) => q.rule === p.rule && q.field === p.field)) problems.push(p);
  if (problems.length > 0) throw new AlertRulesError(source, problems);
  return (value as { rules: AlertRuleSpec[] }).rules.map(resolveRule);
}

/** A rule with its defaults applied. */
export function resolveRule(spec: AlertRuleSpec): AlertRule {
  const sentiment =
    'mean_compound_below' in spec.sentiment
      ? { below: spec.sentiment.mean_compound_below }
      : { above: spec.sentiment.mean_compound_above };
  const price =
    'change_at_most' in spec.price
      ? { atMost: spec.price.change_at_most }
      : { atLeast: spec.price.change_at_least };
  return {
    id: spec.id,
    description: spec.description ?? '',
    symbols: spec.symbols?.map(normalizeSymbol),
    windowMs: spec.window === undefined ? DEFAULT_ALERT_WINDOW_MS : minutes(spec.window),
    minTweets: spec.min_tweets ?? DEFAULT_ALERT_MIN_TWEETS,
    direction: 'below' in sentiment ? 'bearish' : 'bullish',
    sentiment,
    price,
    cooldownMs: spec.cooldown === undefined ? DEFAULT_ALERT_COOLDOWN_MS : minutes(spec.cooldown),
  };
}

const minutes = (text: string): number => Number.parseInt(text, 10) * MINUTE_MS;

function ruleName(rules: unknown, index: number): string {
  const id = (Array.isArray(rules) ? (rules[index] as { id?: unknown } | undefined) : undefined)?.id;
  return typeof id === 'string' && id !== '' ? `rule '${id}'` : `rules[${index}]`;
}

/**
 * Checks the schema cannot express: unique ids, bounds between fields. Each reads only fields of
 * the type it needs, so it runs beside the schema's problems on a file that has some.
 */
function semanticProblems(rules: unknown[]): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const seen = new Set<string>();
  const keyOf = (node: unknown): string | undefined =>
    node !== null && typeof node === 'object' && Object.keys(node).length === 1
      ? Object.keys(node)[0]
      : undefined;
  rules.forEach((raw, i) => {
    const rule = (raw ?? {}) as Record<string, unknown>;
    const name = ruleName(rules, i);
    if (typeof rule.id === 'string') {
      if (seen.has(rule.id)) problems.push({ rule: name, field: 'id', reason: 'is used by an earlier rule' });
      seen.add(rule.id);
    }
    if (
      typeof rule.window === 'string' &&
      /^[1-9][0-9]*m$/.test(rule.window) &&
      minutes(rule.window) > MAX_ALERT_WINDOW_MS
    )
      problems.push({
        rule: name,
        field: 'window',
        reason: `must be at most ${MAX_ALERT_WINDOW_MS / MINUTE_MS}m`,
      });
    const sentiment = keyOf(rule.sentiment);
    const price = keyOf(rule.price);
    const below =
      sentiment === 'mean_compound_below' ? true : sentiment === 'mean_compound_above' ? false : undefined;
    const falls = price === 'change_at_most' ? true : price === 'change_at_least' ? false : undefined;
    if (below !== undefined && falls !== undefined && below !== falls)
      problems.push({
        rule: name,
        field: 'price',
        reason: below
          ? 'a bearish rule (mean_compound_below) pairs with change_at_most'
          : 'a bullish rule (mean_compound_above) pairs with change_at_least',
      });
  });
  return problems;
}

/** The schema's errors as one problem per offending field, the most specific first. */
function schemaProblems(value: unknown): RuleProblem[] {
  // TypeBox stops at 8 errors by default; a rules file is small and read once, so report them all.
  const { maxErrors } = Settings.Get();
  Settings.Set({ maxErrors: 1000 });
  let errors: SchemaError[];
  try {
    errors = [...checkFile.Errors(value)] as SchemaError[];
  } finally {
    Settings.Set({ maxErrors });
  }
  const rules = (value as { rules?: unknown } | null)?.rules;
  const problems = new Map<string, RuleProblem>();
  const add = (pointer: string, reason: string) => {
    const parts = pointer.split('/').slice(1);
    let rule = '$';
    let field = parts.join('.') || '$';
    if (parts[0] === 'rules' && parts.length >= 2) {
      rule = ruleName(rules, Number(parts[1]));
      field = parts.slice(2).join('.') || '$';
    }
    const key = `${rule} ${field}`;
    if (!problems.has(key)) problems.set(key, { rule, field, reason });
  };
  // A union (sentiment, price) reports every branch; judge it by the one branch its keys choose.
  const unions = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  for (const union of unions) {
    const node = valueAt(value, union);
    const branches = unionBranches(union);
    const chosen = branches.filter((b) => node !== null && typeof node === 'object' && b in node);
    const branch = chosen[0] as string;
    if (chosen.length !== 1 || Object.keys(node as object).length !== 1) {
      add(union, `expected an object with exactly one of ${branches.join(', ')}`);
      continue;
    }
    const inner = valueAt(value, `${union}/${branch}`);
    add(`${union}/${branch}`, describeNumber(inner, union.endsWith('/price') ? branch : 'mean_compound'));
  }
  for (const e of errors) {
    if (e.keyword === 'anyOf' || e.keyword === 'boolean') continue;
    if ([...unions].some((u) => e.instancePath.startsWith(u))) continue;
    if (e.keyword === 'required') {
      const missing = ((e.params.requiredProperties as string[] | undefined) ?? []).filter(
        (f) => (valueAt(value, e.instancePath) as Record<string, unknown> | undefined)?.[f] === undefined,
      );
      for (const f of missing) add(`${e.instancePath}/${f}`, 'is required');
    } else if (e.keyword === 'additionalProperties') {
      for (const f of (e.params.additionalProperties as string[] | undefined) ?? [])
        add(`${e.instancePath}/${f}`, unknownField(e.instancePath));
    } else {
      add(
        e.instancePath,
        `${describeField(e.instancePath)} (got ${JSON.stringify(valueAt(value, e.instancePath))})`,
      );
    }
  }
  return [...problems.values()];
}

function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const part of pointer.split('/').slice(1))
    node = (node as Record<string, unknown> | null | undefined)?.[part];
  return node;
}

function ruleProperties(): Record<string, TSchema> {
  return (AlertRuleSchema as unknown as { properties: Record<string, TSchema> }).properties;
}

/** What may stand where `pointer` has an unknown field: a rule's fields, or the file's one. */
function unknownField(pointer: string): string {
  return pointer === ''
    ? 'is not a field of the file (it has one: rules)'
    : `is not a rule field (fields: ${Object.keys(ruleProperties()).join(', ')})`;
}

function unionBranches(pointer: string): string[] {
  const field = pointer.split('/').at(-1) as string;
  const union = ruleProperties()[field] as unknown as { anyOf?: { properties: Record<string, unknown> }[] };
  return (union.anyOf ?? []).flatMap((branch) => Object.keys(branch.properties));
}

function describeNumber(value: unknown, which: string): string {
  if (typeof value !== 'number') return `must be a number (got ${JSON.stringify(value)})`;
  if (which === 'mean_compound') return `must be between -1 and 1 (got ${value})`;
  if (which === 'change_at_most') return `must be a fraction between -1 and 0, e.g. -0.02 (got ${value})`;
  return `must be a fraction of at least 0, e.g. 0.02 (got ${value})`;
}

function describeField(pointer: string): string {
  const field = pointer.split('/').at(-1);
  switch (field) {
    case 'id':
      return 'must be 1-64 characters of a-z, 0-9, _ and -, starting with a letter or digit';
    case 'window':
    case 'cooldown':
      return 'must be a whole number of minutes like "5m"';
    case 'min_tweets':
      return 'must be an integer of at least 1';
    case 'symbols':
      return 'must be a non-empty list of symbols like AAPL';
    case 'rules':
      return 'must be a list of rules';
    default:
      return /^\d+$/.test(field ?? '') ? 'must be a symbol like AAPL or BRK.B' : 'has the wrong type';
  }
}
