import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MINUTE_MS } from '../../schemas/time.js';
import { AlertRulesError, loadAlertRules, parseAlertRules } from './alert-rules.js';

const YAML_RULES = `
rules:
  - id: tech-panic
    description: big tech sells off on bad news
    symbols: [aapl, MSFT]
    window: 10m
    min_tweets: 20
    sentiment: { mean_compound_below: -0.6 }
    price: { change_at_most: -0.03 }
    cooldown: 15m
  - id: meme-rally
    sentiment: { mean_compound_above: 0.4 }
    price: { change_at_least: 0.05 }
`;

/** The message of the error `text` fails with. */
function problem(text: string, source = 'rules.yaml'): string {
  try {
    parseAlertRules(text, source);
  } catch (error) {
    expect(error).toBeInstanceOf(AlertRulesError);
    return (error as Error).message;
  }
  throw new Error('the rules were accepted');
}

const rule = (fields: string) => `rules:\n  - ${fields.trim().split('\n').join('\n    ')}\n`;
const VALID = `id: r1
sentiment: { mean_compound_below: -0.5 }
price: { change_at_most: -0.02 }`;

describe('alert rules file', () => {
  it('ships the two default rules when ALERT_RULES is unset', async () => {
    const rules = await loadAlertRules(undefined);
    expect(rules.map((r) => [r.id, r.direction, r.windowMs, r.minTweets, r.cooldownMs])).toEqual([
      ['bearish-sentiment-price-drop', 'bearish', 5 * MINUTE_MS, 5, 5 * MINUTE_MS],
      ['bullish-sentiment-price-rise', 'bullish', 5 * MINUTE_MS, 5, 5 * MINUTE_MS],
    ]);
    expect(rules[0]).toMatchObject({
      sentiment: { below: -0.5 },
      price: { atMost: -0.02 },
      symbols: undefined,
    });
    expect(rules[1]).toMatchObject({ sentiment: { above: 0.5 }, price: { atLeast: 0.02 } });
  });

  it('reads YAML and JSON files, applying the defaults to fields left out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alert-rules-'));
    writeFileSync(join(dir, 'rules.yaml'), YAML_RULES);
    const fromYaml = await loadAlertRules(join(dir, 'rules.yaml'));
    expect(fromYaml[0]).toMatchObject({
      id: 'tech-panic',
      symbols: ['AAPL', 'MSFT'],
      windowMs: 10 * MINUTE_MS,
      minTweets: 20,
      cooldownMs: 15 * MINUTE_MS,
      direction: 'bearish',
    });
    expect(fromYaml[1]).toMatchObject({
      id: 'meme-rally',
      windowMs: 5 * MINUTE_MS,
      minTweets: 5,
      direction: 'bullish',
    });
    writeFileSync(
      join(dir, 'rules.json'),
      JSON.stringify({
        rules: [{ id: 'j', sentiment: { mean_compound_above: 0.5 }, price: { change_at_least: 0.01 } }],
      }),
    );
    expect((await loadAlertRules(join(dir, 'rules.json')))[0]?.price).toEqual({ atLeast: 0.01 });
  });

  it('names the rule and the field of every problem', () => {
    expect(problem(rule(`${VALID}\nwindow: 5 minutes`))).toMatch(
      /rule 'r1' field window: must be a whole number of minutes like "5m" \(got "5 minutes"\)/,
    );
    expect(problem(rule(`${VALID}\nmin_tweets: 0`))).toMatch(
      /rule 'r1' field min_tweets: must be an integer of at least 1/,
    );
    expect(problem(rule(`${VALID}\nsymbol: [AAPL]`))).toMatch(/rule 'r1' field symbol: is not a rule field/);
    expect(problem(rule(`${VALID}\nsymbols: [AAPL, "not a symbol"]`))).toMatch(
      /rule 'r1' field symbols\.1: must be a symbol/,
    );
    expect(problem(rule(`id: r2\nprice: { change_at_most: -0.02 }`))).toMatch(
      /rule 'r2' field sentiment: is required/,
    );
    expect(
      problem(rule(`id: r3\nsentiment: { mean_compound_below: -2 }\nprice: { change_at_most: -0.02 }`)),
    ).toMatch(/rule 'r3' field sentiment\.mean_compound_below: must be between -1 and 1 \(got -2\)/);
    expect(problem(rule(`id: r4\nsentiment: { below: -0.5 }\nprice: { change_at_most: -0.02 }`))).toMatch(
      /rule 'r4' field sentiment: expected an object with exactly one of mean_compound_below, mean_compound_above/,
    );
    expect(
      problem(rule(`id: r5\nsentiment: { mean_compound_below: -0.5 }\nprice: { change_at_most: 0.02 }`)),
    ).toMatch(/rule 'r5' field price\.change_at_most: must be a fraction between -1 and 0/);
    expect(
      problem(rule(`id: r6\nsentiment: { mean_compound_below: -0.5 }\nprice: { change_at_least: 0.02 }`)),
    ).toMatch(/rule 'r6' field price: a bearish rule \(mean_compound_below\) pairs with change_at_most/);
    expect(problem(rule(`${VALID}\nwindow: 90m`))).toMatch(/rule 'r1' field window: must be at most 60m/);
    expect(
      problem(`rules:\n  - sentiment: { mean_compound_below: -0.5 }\n    price: { change_at_most: -0.02 }\n`),
    ).toMatch(/rules\[0\] field id: is required/);
    expect(
      problem(`rules:\n  - ${VALID.split('\n').join('\n    ')}\n  - ${VALID.split('\n').join('\n    ')}\n`),
    ).toMatch(/rules\[1\]|rule 'r1' field id: is used by an earlier rule/);
    expect(
      problem(
        `rules:\n  - id: "Bad Id"\n    sentiment: { mean_compound_below: -0.5 }\n    price: { change_at_most: -0.02 }\n`,
      ),
    ).toMatch(/rule 'Bad Id' field id: must be 1-64 characters/);
  });

  it('reports every problem of the file at once, and a file that is not YAML or JSON', () => {
    const message = problem(
      rule(
        'id: r1\nwindow: 5\nmin_tweets: -1\nsentiment: { below: -0.5 }\nprice: { change_at_most: 0.02 }\nsymbol: [A]',
      ),
    );
    expect(message.split('\n').slice(1).sort()).toEqual([
      "  rule 'r1' field min_tweets: must be an integer of at least 1 (got -1)",
      "  rule 'r1' field price.change_at_most: must be a fraction between -1 and 0, e.g. -0.02 (got 0.02)",
      "  rule 'r1' field sentiment: expected an object with exactly one of mean_compound_below, mean_compound_above",
      "  rule 'r1' field symbol: is not a rule field (fields: id, description, symbols, window, min_tweets, sentiment, price, cooldown)",
      '  rule \'r1\' field window: must be a whole number of minutes like "5m" (got 5)',
    ]);
    expect(problem('rules: [ {', 'rules.yaml')).toMatch(
      /ALERT_RULES \(rules\.yaml\) is invalid:\n {2}\$: is not valid YAML/,
    );
    expect(problem('{"rules": ', 'rules.json')).toMatch(/is not valid JSON/);
    expect(problem('rule: []')).toMatch(/\$ field rules: is required/);
    expect(problem('rule: []')).toMatch(/\$ field rule: is not a field of the file \(it has one: rules\)/);
  });

  it('reports a problem between fields beside the schema problems of the same file (the README example)', () => {
    const text = rule(
      'id: tech-panic\nwindow: 5\nsentiment: { mean_compound_below: -0.6 }\nprice: { change_at_least: 0.03 }',
    );
    expect(problem(text)).toBe(
      [
        'ALERT_RULES (rules.yaml) is invalid:',
        `  rule 'tech-panic' field window: must be a whole number of minutes like "5m" (got 5)`,
        "  rule 'tech-panic' field price: a bearish rule (mean_compound_below) pairs with change_at_most",
      ].join('\n'),
    );
  });

  it('fails naming the file when it cannot be read', async () => {
    await expect(loadAlertRules('/nonexistent/rules.yaml')).rejects.toThrow(
      /ALERT_RULES \(\/nonexistent\/rules\.yaml\) is invalid:\n {2}\$: cannot be read/,
    );
  });
});
