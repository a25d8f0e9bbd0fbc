/** The server config files under infra/local/templates, with their ${NAME} placeholders filled in. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEMPLATES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'templates');

/** Replaces every ${NAME}; a placeholder without a value is an error, never left in a config. */
export function fillTemplate(text: string, values: Record<string, string | number>): string {
  return text.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template placeholder \${${name}} has no value`);
    return String(value);
  });
}

export function renderTemplate(file: string, values: Record<string, string | number>): string {
  return fillTemplate(readFileSync(join(TEMPLATES_DIR, file), 'utf8'), values);
}

/** Options from a one-per-line file (as Cassandra's jvm*.options): blank lines and # comments dropped. */
export function readOptionsFile(file: string): string[] {
  return readFileSync(join(TEMPLATES_DIR, file), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}
