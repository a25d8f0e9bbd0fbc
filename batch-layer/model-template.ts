/**
 * The models' template language, a small subset of dbt's Jinja: `{{ name(arg, key=value) }}`.
 *
 *   {{ config(materialized='table', partition_by='date') }}  how the runner stores the model
 *   {{ ref('sentiment_hourly') }}                            another model (a dependency)
 *   {{ all_days('topic_compound_counts') }}                  a partitioned model over every gold day
 *   {{ source('bronze_tweets') }}                            a bronze dataset
 *   {{ quantile('compound', 0.95) }}                         a dialect macro (see dialect.ts)
 *
 * Arguments are quoted strings, numbers or booleans; nothing nests. Parsing is separate from
 * rendering so that the runner can read the dependencies without an engine.
 */

export type MacroArg = string | number | boolean;

export interface MacroCall {
  name: string;
  args: MacroArg[];
  kwargs: Record<string, MacroArg>;
}

export type TemplatePart = { text: string } | { call: MacroCall; source: string };

const CALL = /\{\{\s*([a-z_][a-z0-9_]*)\s*\(([\s\S]*?)\)\s*\}\}/g;

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

export function parseTemplate(sql: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of sql.matchAll(CALL)) {
    if (match.index > last) parts.push({ text: sql.slice(last, match.index) });
    parts.push({ call: parseCall(match[1] as string, match[2] as string), source: match[0] });
    last = match.index + match[0].length;
  }
  if (last < sql.length) parts.push({ text: sql.slice(last) });
  for (const part of parts)
    if ('text' in part && part.text.includes('{{'))
      throw new TemplateError(
        `unparsed template call near ${JSON.stringify(part.text.slice(part.text.indexOf('{{'), part.text.indexOf('{{') + 60))}`,
      );
  return parts;
}

function parseCall(name: string, argText: string): MacroCall {
  const call: MacroCall = { name, args: [], kwargs: {} };
  for (const raw of splitArgs(argText)) {
    const keyword = /^([a-z_][a-z0-9_]*)\s*=(?!=)\s*([\s\S]*)$/.exec(raw);
    if (keyword) call.kwargs[keyword[1] as string] = parseValue(keyword[2] as string, name);
    else call.args.push(parseValue(raw, name));
  }
  return call;
}

function splitArgs(text: string): string[] {
  const args: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const ch of text) {
    if (quote) {
      current += ch;
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      current += ch;
    } else if (ch === ',') {
      args.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (quote) throw new TemplateError(`unterminated string in ${JSON.stringify(text)}`);
  if (current.trim() !== '') args.push(current.trim());
  return args;
}

function parseValue(raw: string, macro: string): MacroArg {
  const text = raw.trim();
  const quoted = /^'([^']*)'$|^"([^"]*)"$/.exec(text);
  if (quoted) return (quoted[1] ?? quoted[2]) as string;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  throw new TemplateError(`${macro}(): argument ${JSON.stringify(text)} is not a string, number or boolean`);
}

/** Replaces each call by what `expand` returns for it. */
export function renderTemplate(parts: readonly TemplatePart[], expand: (call: MacroCall) => string): string {
  return parts.map((part) => ('text' in part ? part.text : expand(part.call))).join('');
}
