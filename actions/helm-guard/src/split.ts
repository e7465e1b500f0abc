import { parseSemver, parseSemverLoose } from './semver';

/**
 * Split `name-version` (helm list's chart column, a chart archive's file name) at the version. Chart names may
 * contain hyphens and digits and versions may have pre-release parts (`my-chart-2-1.0.0-rc.1`): prefer the
 * expected name when it fits, then the first `-` whose remainder is strict SemVer, then a loose version.
 */
export function splitChartVersion(s: string, expectedName?: string): { chart: string; version: string } {
  if (expectedName && s.startsWith(`${expectedName}-`)) {
    const version = s.slice(expectedName.length + 1);
    if (parseSemverLoose(version)) return { chart: expectedName, version };
  }
  for (const parse of [parseSemver, parseSemverLoose]) {
    for (let i = s.indexOf('-'); i > 0; i = s.indexOf('-', i + 1)) {
      const version = s.slice(i + 1);
      if (/^v?\d/.test(version) && parse(version)) return { chart: s.slice(0, i), version };
    }
  }
  return { chart: s, version: '' };
}
