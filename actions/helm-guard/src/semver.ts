/**
 * SemVer 2.0.0 parsing and precedence (https://semver.org §9–§11), small and dependency-free.
 * A leading `v` is accepted; build metadata is kept for display and ignored for precedence.
 */
export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  /** Pre-release identifiers (`rc.1` → ['rc', '1']); empty for a release version. */
  prerelease: string[];
  build: string[];
  /** The version without a leading `v` (what `pinned-version` reports). */
  raw: string;
}

const NUM = '0|[1-9]\\d*';
const PRE_ID = `(?:${NUM}|\\d*[A-Za-z-][0-9A-Za-z-]*)`;
const BUILD_ID = '[0-9A-Za-z-]+';
const STRICT = new RegExp(
  `^v?(${NUM})\\.(${NUM})\\.(${NUM})(?:-(${PRE_ID}(?:\\.${PRE_ID})*))?(?:\\+(${BUILD_ID}(?:\\.${BUILD_ID})*))?$`,
);
// Loose form for versions read back from a cluster (Helm's own parser accepts `1.2` and `v1`): missing parts are 0.
const LOOSE = new RegExp(
  `^v?(\\d+)(?:\\.(\\d+))?(?:\\.(\\d+))?(?:-(${PRE_ID}(?:\\.${PRE_ID})*))?(?:\\+(${BUILD_ID}(?:\\.${BUILD_ID})*))?$`,
);
const MAX_LEN = 256;

function build(m: RegExpExecArray, raw: string): SemVer | undefined {
  const nums = [m[1], m[2], m[3]].map((x) => (x === undefined ? 0 : Number(x)));
  if (nums.some((n) => !Number.isSafeInteger(n))) return undefined;
  return {
    major: nums[0] as number,
    minor: nums[1] as number,
    patch: nums[2] as number,
    prerelease: m[4] ? m[4].split('.') : [],
    build: m[5] ? m[5].split('.') : [],
    raw: raw.replace(/^v/, ''),
  };
}

/** Strict SemVer 2.0.0 (optional leading `v`); undefined when `s` is not one. */
export function parseSemver(s: string): SemVer | undefined {
  if (s.length > MAX_LEN) return undefined;
  const m = STRICT.exec(s);
  return m ? build(m, s) : undefined;
}

/** Like parseSemver, but also accepts `1.2` / `1` (as Helm does for installed charts). */
export function parseSemverLoose(s: string): SemVer | undefined {
  if (s.length > MAX_LEN) return undefined;
  const strict = parseSemver(s);
  if (strict) return strict;
  const m = LOOSE.exec(s);
  if (!m) return undefined;
  // A leading zero in a numeric part is not SemVer; refuse rather than guess.
  if ([m[1], m[2], m[3]].some((x) => x !== undefined && /^0\d/.test(x))) return undefined;
  return build(m, s);
}

function cmpNum(a: number, b: number): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** §11.4: numeric identifiers compare numerically and rank below alphanumeric ones; alphanumerics compare in ASCII order. */
function cmpIdent(a: string, b: string): -1 | 0 | 1 {
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) {
    // Compare as big integers without overflow: longer (no leading zeros) is larger.
    if (a.length !== b.length) return cmpNum(a.length, b.length);
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (an) return -1;
  if (bn) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** SemVer precedence: -1 if a < b, 0 if equal precedence (build metadata ignored), 1 if a > b. */
export function compareSemver(a: SemVer, b: SemVer): -1 | 0 | 1 {
  const core = cmpNum(a.major, b.major) || cmpNum(a.minor, b.minor) || cmpNum(a.patch, b.patch);
  if (core !== 0) return core;
  // §11.3: a pre-release version has lower precedence than the release.
  if (a.prerelease.length === 0 && b.prerelease.length === 0) return 0;
  if (a.prerelease.length === 0) return 1;
  if (b.prerelease.length === 0) return -1;
  const n = Math.min(a.prerelease.length, b.prerelease.length);
  for (let i = 0; i < n; i++) {
    const c = cmpIdent(a.prerelease[i] as string, b.prerelease[i] as string);
    if (c !== 0) return c;
  }
  // §11.4.4: a larger set of pre-release fields has higher precedence when all preceding ones are equal.
  return cmpNum(a.prerelease.length, b.prerelease.length);
}

/** Compare two version strings (loose parse: `1.2` = `1.2.0`; throws on anything else). */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  const pa = parseSemverLoose(a);
  const pb = parseSemverLoose(b);
  if (!pa) throw new Error(`'${a}' is not a SemVer version`);
  if (!pb) throw new Error(`'${b}' is not a SemVer version`);
  return compareSemver(pa, pb);
}

/** Canonical text without a leading `v`: `1.2.3-rc.1+build.5`. */
export function formatSemver(v: SemVer): string {
  let s = `${v.major}.${v.minor}.${v.patch}`;
  if (v.prerelease.length) s += `-${v.prerelease.join('.')}`;
  if (v.build.length) s += `+${v.build.join('.')}`;
  return s;
}
