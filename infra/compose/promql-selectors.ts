/**
 * The metric selectors of a PromQL expression (metric name and equality matchers), found by a small
 * scanner rather than a full parser: enough to check that the alert rules and dashboard panels of
 * the compose demo name metrics the code exports. Function and aggregation names (an identifier
 * followed by `(`, `by` or `without`), keywords, label lists of by/without/on/ignoring/group_*, strings, numbers and
 * durations, range and subquery brackets, and Grafana variables ($__rate_interval, ${x}) are not
 * selectors. Syntax errors are not reported: promtool checks the syntax.
 */

export interface Selector {
  metric: string;
  /** `label="value"` matchers of the selector's braces (other matcher kinds are left out). */
  labels: Record<string, string>;
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'offset', 'bool', 'atan2', 'inf', 'nan']);
const LABEL_LISTS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

const SPACE = /\s+|#[^\n]*/y;
const STRING = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/y;
const VARIABLE = /\$\{[^}]*\}|\$\w+/y;
// Numbers, hex and durations (5m, 1h30m, 0.99, 1e3): anything starting with a digit or a dot-digit.
const NUMBER = /\.?\d[\w.]*/y;
const IDENTIFIER = /[A-Za-z_:][\w:]*/y;
const MATCHER = /\s*([A-Za-z_]\w*)\s*(=~|!=|!~|=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)\s*,?/y;

function at(pattern: RegExp, text: string, index: number): string | undefined {
  pattern.lastIndex = index;
  return pattern.exec(text)?.[0];
}

/** The index just past the bracket closing the one at `open`, skipping strings inside. */
function closing(expr: string, open: number): number {
  const pair: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
  const close = pair[expr[open] as string];
  let depth = 0;
  let i = open;
  while (i < expr.length) {
    const quoted = at(STRING, expr, i);
    if (quoted) {
      i += quoted.length;
      continue;
    }
    if (expr[i] === expr[open]) depth++;
    else if (expr[i] === close && --depth === 0) return i + 1;
    i++;
  }
  return expr.length;
}

function skipSpace(expr: string, i: number): number {
  let j = i;
  for (let space = at(SPACE, expr, j); space; space = at(SPACE, expr, j)) j += space.length;
  return j;
}

function unquote(literal: string): string {
  return literal.startsWith('`') ? literal.slice(1, -1) : (JSON.parse(`"${literal.slice(1, -1)}"`) as string);
}

function matchers(block: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const inner = block.slice(1, -1);
  for (let i = 0; i < inner.length; ) {
    MATCHER.lastIndex = i;
    const m = MATCHER.exec(inner);
    if (!m) break;
    if (m[2] === '=') labels[m[1] as string] = unquote(m[3] as string);
    i = MATCHER.lastIndex;
  }
  return labels;
}

export function selectors(expr: string): Selector[] {
  const found: Selector[] = [];
  let i = 0;
  while (i < expr.length) {
    const skipped = at(SPACE, expr, i) ?? at(STRING, expr, i) ?? at(VARIABLE, expr, i) ?? at(NUMBER, expr, i);
    if (skipped) {
      i += skipped.length;
      continue;
    }
    const char = expr[i] as string;
    if (char === '[') {
      i = closing(expr, i);
      continue;
    }
    if (char === '{') {
      // Braces with no name before them: a `{__name__="x"}` selector, or none.
      const end = closing(expr, i);
      const { __name__: metric, ...labels } = matchers(expr.slice(i, end));
      if (metric) found.push({ metric, labels });
      i = end;
      continue;
    }
    const word = at(IDENTIFIER, expr, i);
    if (!word) {
      i++;
      continue;
    }
    const next = skipSpace(expr, i + word.length);
    const lower = word.toLowerCase();
    if (LABEL_LISTS.has(lower)) {
      i = expr[next] === '(' ? closing(expr, next) : next;
    } else if (KEYWORDS.has(lower) || expr[next] === '(' || /^(by|without)\b/i.test(expr.slice(next))) {
      // A function, or an aggregation: `sum(…)`, `sum by (…) (…)`.
      i = next;
    } else if (expr[next] === '{') {
      const end = closing(expr, next);
      found.push({ metric: word, labels: matchers(expr.slice(next, end)) });
      i = end;
    } else {
      found.push({ metric: word, labels: {} });
      i = next;
    }
  }
  return found;
}
