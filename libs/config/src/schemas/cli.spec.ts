import { ConfigError, loadConfig } from '../load-config';
import { CliConfig } from './cli';

describe('CliConfig', () => {
  it('should need nothing: the flags can give both', () => {
    expect(loadConfig(CliConfig, {})).toMatchObject({ SOURCEHUB_API_URL: undefined, SOURCEHUB_API_KEY: undefined });
  });

  it('should take an http(s) URL and a key', () => {
    expect(loadConfig(CliConfig, { SOURCEHUB_API_URL: 'http://127.0.0.1:3000', SOURCEHUB_API_KEY: 'shk_x' })).toMatchObject({ SOURCEHUB_API_URL: 'http://127.0.0.1:3000', SOURCEHUB_API_KEY: 'shk_x' });
  });

  it.each<[string, string]>([
    ['a URL without a scheme', '127.0.0.1:3000'],
    ['a URL of another scheme', 'ftp://127.0.0.1'],
    ['a URL with a space in it', 'http://127.0.0.1 :3000'],
  ])('should refuse %s and name SOURCEHUB_API_URL', (_name, value) => {
    expect(() => loadConfig(CliConfig, { SOURCEHUB_API_URL: value })).toThrow(ConfigError);
    expect(() => loadConfig(CliConfig, { SOURCEHUB_API_URL: value })).toThrow(/SOURCEHUB_API_URL is invalid \(SOURCEHUB_API_URL must be an http\(s\) URL\)/);
  });
});
