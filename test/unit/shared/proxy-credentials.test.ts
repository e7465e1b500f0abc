import { describe, expect, it } from '@jest/globals';
import { proxyConfig, proxyCredentials } from '../../../src/proxy';

describe('C3: proxy credentials', () => {
  it('C3: the password of the input or environment proxy is listed (decoded and as written) for registration as a secret', () => {
    expect(proxyCredentials(proxyConfig({}, 'http://user:p%40ss@proxy.example:3128'))).toEqual([
      'p@ss',
      'p%40ss',
    ]);
    expect(
      proxyCredentials(proxyConfig({ HTTPS_PROXY: 'http://u:s3cret@proxy.example:3128' }, undefined)),
    ).toEqual(['s3cret']);
    expect(proxyCredentials(proxyConfig({}, 'http://proxy.example:3128'))).toEqual([]);
    expect(proxyCredentials(undefined)).toEqual([]);
  });
});
