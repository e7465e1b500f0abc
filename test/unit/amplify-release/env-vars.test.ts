import { describe, expect, it } from '@jest/globals';
import { isSecretKey, mergeEnv, parseEnvVars } from '../../../actions/amplify-release/src/env-vars';

describe('parseEnvVars', () => {
  it('KEY=VALUE lines: blanks and comments skipped, = inside values kept, one pair of quotes stripped', () => {
    expect(
      parseEnvVars(
        '# comment\nA=1\n\n  B = two words \nC=x=y\nD="quoted value"\nE=\'single\'\nF=\nG="unbalanced',
      ),
    ).toEqual({ A: '1', B: 'two words', C: 'x=y', D: 'quoted value', E: 'single', F: '', G: '"unbalanced' });
  });

  it('a JSON map', () => {
    expect(parseEnvVars('{"A": "1", "B": 2, "C": true}')).toEqual({ A: '1', B: '2', C: 'true' });
  });

  it('YAML/JSON scalars are kept exactly as written (no number or boolean conversion)', () => {
    expect(parseEnvVars('ZIP: 01234\nVERSION: 1.0\nFLAG: yes\nNONE: null\nEMPTY:')).toEqual({
      ZIP: '01234',
      VERSION: '1.0',
      FLAG: 'yes',
      NONE: 'null',
      EMPTY: '',
    });
    expect(parseEnvVars('{"N": 0.10, "T": true}')).toEqual({ N: '0.10', T: 'true' });
  });

  it('a YAML map, including multi-line values', () => {
    expect(parseEnvVars('A: one\nB: |\n  line1\n  line2\nURL: https://x.example/a?b=c')).toEqual({
      A: 'one',
      B: 'line1\nline2\n',
      URL: 'https://x.example/a?b=c',
    });
  });

  it('empty input and an empty map mean no variables', () => {
    expect(parseEnvVars('')).toEqual({});
    expect(parseEnvVars('  \n ')).toEqual({});
    expect(parseEnvVars('{}')).toEqual({});
  });
});

describe('H5: mergeEnv', () => {
  it('H5: null or missing current map is {}', () => {
    for (const cur of [null, undefined]) {
      expect(mergeEnv(cur, { A: '1' })).toEqual({
        merged: { A: '1' },
        changes: [{ key: 'A', change: 'added' }],
        changed: true,
      });
    }
  });

  it('H5: key-wise: unmentioned keys kept, changes classified, sorted by key', () => {
    const r = mergeEnv({ KEEP: 'k', B: 'old', C: 'same' }, { C: 'same', B: 'new', A: 'added' });
    expect(r.merged).toEqual({ KEEP: 'k', A: 'added', B: 'new', C: 'same' });
    expect(r.changes).toEqual([
      { key: 'A', change: 'added' },
      { key: 'B', change: 'changed' },
      { key: 'C', change: 'unchanged' },
    ]);
    expect(r.changed).toBe(true);
  });

  it('H5: nothing different → changed false; the input map is not mutated', () => {
    const cur = { A: '1' };
    const r = mergeEnv(cur, { A: '1' });
    expect(r.changed).toBe(false);
    expect(cur).toEqual({ A: '1' });
  });

  it('C3: secret key detection', () => {
    const listed = new Set(['DSN']);
    for (const k of ['DB_PASSWORD', 'api_key', 'GITHUB_TOKEN', 'Client_Secret', 'DSN'])
      expect(isSecretKey(k, listed)).toBe(true);
    for (const k of ['API_URL', 'STAGE']) expect(isSecretKey(k, listed)).toBe(false);
  });
});
