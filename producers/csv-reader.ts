/**
 * A small streaming RFC-4180 reader: comma-separated, fields optionally in double quotes, `""` for
 * a quote inside quotes, newlines inside quoted fields, CRLF or LF line ends. No CSV parser is
 * installed in this project, and replay needs only this much; it reads chunk by chunk, so memory
 * stays constant on large files. Malformed records are reported on the record (with the line it
 * starts on) instead of throwing, so replay can reject just that row.
 */

export interface CsvRecord {
  fields: string[];
  /** 1-based line number where the record starts. */
  line: number;
  /** Set when the record is malformed; the fields are then a best effort. */
  error?: string;
}

enum State {
  FieldStart,
  Unquoted,
  Quoted,
  QuoteInQuoted,
}

export async function* readCsvRecords(chunks: AsyncIterable<string | Buffer>): AsyncGenerator<CsvRecord> {
  let state = State.FieldStart;
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let error: string | undefined;
  let pending: CsvRecord[] = [];

  const endRecord = () => {
    fields.push(field);
    // A blank line is no record at all.
    if (!(fields.length === 1 && fields[0] === '' && error === undefined)) {
      pending.push(error === undefined ? { fields, line: recordLine } : { fields, line: recordLine, error });
    }
    fields = [];
    field = '';
    error = undefined;
    state = State.FieldStart;
  };

  for await (const chunk of chunks) {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    for (let i = 0; i < text.length; i++) {
      const c = text[i] as string;
      switch (state) {
        case State.FieldStart:
          if (fields.length === 0 && field === '') recordLine = line;
          if (c === '"') state = State.Quoted;
          else if (c === ',') fields.push('');
          else if (c === '\n') {
            endRecord();
            line++;
          } else if (c !== '\r') {
            field = c;
            state = State.Unquoted;
          }
          break;
        case State.Unquoted:
          if (c === ',') {
            fields.push(field);
            field = '';
            state = State.FieldStart;
          } else if (c === '\n') {
            endRecord();
            line++;
          } else if (c !== '\r') field += c;
          break;
        case State.Quoted:
          if (c === '"') state = State.QuoteInQuoted;
          else {
            if (c === '\n') line++;
            field += c;
          }
          break;
        case State.QuoteInQuoted:
          if (c === '"') {
            field += '"';
            state = State.Quoted;
          } else if (c === ',') {
            fields.push(field);
            field = '';
            state = State.FieldStart;
          } else if (c === '\n') {
            endRecord();
            line++;
          } else if (c !== '\r') {
            error ??= `unexpected ${JSON.stringify(c)} after a closing quote`;
            field += c;
            state = State.Unquoted;
          }
          break;
      }
    }
    if (pending.length > 0) {
      yield* pending;
      pending = [];
    }
  }
  if (state === State.Quoted) {
    error ??= 'unterminated quoted field';
    endRecord();
  } else if (state !== State.FieldStart || fields.length > 0) {
    endRecord();
  }
  yield* pending;
}
