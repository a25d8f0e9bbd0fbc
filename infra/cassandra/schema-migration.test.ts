import { describe, expect, it } from 'vitest';
import { cqlColumns, TABLES } from '../../schemas/cassandra.js';
import { addColumnStatements } from './schema-migration.js';

const spec = TABLES.tweetsBySymbol;
const current = new Map(cqlColumns(spec).map((c) => [c.name, c.cqlType]));

describe('addColumnStatements', () => {
  it('adds the row-schema columns an older table lacks, with their CQL types', () => {
    const older = new Map(current);
    older.delete('price_at_tweet');
    older.delete('price_tick_at');
    expect(addColumnStatements('ks', spec, older)).toEqual([
      'ALTER TABLE ks.tweets_by_symbol ADD IF NOT EXISTS price_at_tweet double',
      'ALTER TABLE ks.tweets_by_symbol ADD IF NOT EXISTS price_tick_at timestamp',
    ]);
  });

  it('changes nothing on a table that matches', () => {
    expect(addColumnStatements('ks', spec, current)).toEqual([]);
  });

  it('refuses a column whose type differs, naming it', () => {
    const wrong = new Map(current).set('compound', 'text');
    expect(() => addColumnStatements('ks', spec, wrong)).toThrow(/compound is text .* double/);
  });
});
