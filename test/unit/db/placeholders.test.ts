import { describe, expect, it } from 'vitest';
import { findPlaceholders, translateNamed, translatePositional } from '../../../engine/db/placeholders.ts';

describe('named query placeholders', () => {
  it('become ? for SQLite, one per occurrence, in order, lower-cased', () => {
    expect(translateNamed('INSERT INTO sessions (session_id, start_time)\nVALUES (:SessionID, CURRENT_TIMESTAMP)', 'sqlite')).toEqual({
      sql: 'INSERT INTO sessions (session_id, start_time)\nVALUES (?, CURRENT_TIMESTAMP)',
      order: ['sessionid'],
    });
    expect(translateNamed('SELECT :a, :b, :A', 'sqlite')).toEqual({ sql: 'SELECT ?, ?, ?', order: ['a', 'b', 'a'] });
  });

  it('become $n for PostgreSQL, one number per distinct name', () => {
    expect(translateNamed('SELECT :a, :b, :A', 'postgres')).toEqual({ sql: 'SELECT $1, $2, $1', order: ['a', 'b'] });
  });

  it('are not found inside strings, quoted identifiers, comments, dollar quotes or :: casts', () => {
    const sql = [
      "SELECT ':notme', \"col:x\", `q:y`, 'it''s :still text' -- :comment",
      '/* :block ? */ $$ :body ? $$ $tag$ :tagged $tag$ x::text, :real, ?',
    ].join('\n');
    expect(findPlaceholders(sql).map((p) => (p.kind === 'named' ? `:${p.name}` : '?'))).toEqual([':real', '?']);
    expect(translateNamed(sql, 'postgres').sql).toContain('x::text, $1, ?');
  });

  it('need a letter or _ after the colon', () => {
    expect(findPlaceholders("SELECT '10:30', 10 :1, :_x").map((p) => p.kind === 'named' && p.name)).toEqual(['_x']);
  });
});

describe('prepared query placeholders', () => {
  it('stay ? for SQLite and become $1.. for PostgreSQL, skipping quoted text', () => {
    expect(translatePositional("SELECT ? , '?' , ?", 'sqlite')).toEqual({ sql: "SELECT ? , '?' , ?", count: 2 });
    expect(translatePositional("SELECT ? , '?' , ?", 'postgres')).toEqual({ sql: "SELECT $1 , '?' , $2", count: 2 });
  });
});
