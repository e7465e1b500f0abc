import { describe, expect, it } from '@jest/globals';
import {
  compareSemver,
  compareVersions,
  formatSemver,
  parseSemver,
  parseSemverLoose,
} from '../../../actions/helm-guard/src/semver';

describe('SemVer precedence (H4 depends on it)', () => {
  // [a, b, expected sign of compare(a, b)]
  const table: [string, string, -1 | 0 | 1][] = [
    ['1.13.10', '1.13.4', 1], // numeric, not lexical
    ['1.13.4', '1.13.10', -1],
    ['4.14.0', '4.13.0', 1],
    ['0.19.1', '0.19.1', 0],
    ['2.0.0', '10.0.0', -1],
    ['1.0.0', '1.0.1', -1],
    ['1.1.0', '1.0.9', 1],
    ['4.13.0', '4.13.0-rc.1', 1], // release > its prerelease (§11.3)
    ['4.13.0-rc.1', '4.13.0', -1],
    ['1.0.0-rc.2', '1.0.0-rc.10', -1], // numeric identifiers compare numerically
    ['1.0.0-alpha', '1.0.0-alpha.1', -1], // more fields win when the rest are equal
    ['1.0.0-alpha.1', '1.0.0-alpha.beta', -1], // numeric < alphanumeric (§11.4.3)
    ['1.0.0-alpha.beta', '1.0.0-beta', -1],
    ['1.0.0-beta', '1.0.0-beta.2', -1],
    ['1.0.0-beta.2', '1.0.0-beta.11', -1],
    ['1.0.0-beta.11', '1.0.0-rc.1', -1],
    ['1.0.0-rc.1', '1.0.0', -1],
    ['1.0.0-1', '1.0.0-alpha', -1],
    ['1.0.0-Alpha', '1.0.0-alpha', -1], // ASCII order: upper-case sorts first
    ['1.0.0-x-1', '1.0.0-x-2', -1],
    ['1.0.0-99999999999999999999', '1.0.0-100000000000000000000', -1], // beyond Number precision
    ['1.0.0+build.1', '1.0.0+build.2', 0], // build metadata ignored
    ['1.0.0+20130313144700', '1.0.0', 0],
    ['v1.13.4', '1.13.4', 0], // leading v accepted
    ['v4.14.0', 'v4.13.0', 1],
  ];
  it.each(table)('compare(%s, %s) = %i', (a, b, want) => {
    expect(compareVersions(a, b)).toBe(want);
    expect(compareVersions(b, a)).toBe(want === 0 ? 0 : -want);
  });

  it('the semver.org §11 example chain is strictly increasing', () => {
    const chain = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '2.0.0',
      '2.1.0',
      '2.1.1',
    ];
    const parsed = chain.map((s) => parseSemver(s)!);
    const shuffled = [...parsed].reverse().sort(compareSemver);
    expect(shuffled.map(formatSemver)).toEqual(chain);
  });
});

describe('parseSemver', () => {
  it.each([
    '1.2.3',
    'v1.2.3',
    '0.0.0',
    '1.2.3-rc.1',
    '1.2.3-0.3.7',
    '1.2.3-x.7.z.92',
    '1.2.3+exp.sha.5114f85',
    '1.2.3-rc.1+b.2',
  ])('accepts %s', (v) => {
    const p = parseSemver(v);
    expect(p).toBeDefined();
    expect(p!.raw).toBe(v.replace(/^v/, ''));
    expect(formatSemver(p!)).toBe(v.replace(/^v/, ''));
  });
  it.each([
    '',
    '1',
    '1.2',
    '01.2.3',
    '1.02.3',
    '1.2.03',
    '1.2.3-01',
    '1.2.3-',
    '1.2.3+',
    '1.2.3-rc..1',
    'V1.2.3',
    ' 1.2.3',
    '1.2.3 ',
    '1.2.3; rm -rf /',
    '1.2.3\n',
    'latest',
    '>=1.2.3',
    '~1.2',
    '1.2.x',
    '1.2.3-rc.1_a',
  ])('rejects %j', (v) => {
    expect(parseSemver(v)).toBeUndefined();
  });
  it('loose parse (installed versions only) fills missing parts with 0 but still refuses leading zeros', () => {
    expect(formatSemver(parseSemverLoose('1.2')!)).toBe('1.2.0');
    expect(formatSemver(parseSemverLoose('v3')!)).toBe('3.0.0');
    expect(parseSemverLoose('01.2')).toBeUndefined();
    expect(parseSemverLoose('banana')).toBeUndefined();
  });
  it('refuses absurdly long input', () => {
    expect(parseSemver(`1.2.3-${'a'.repeat(300)}`)).toBeUndefined();
  });
});
