import { DEV_JWT_SECRET, resolveJwtSecret } from './realtime.config.js';

describe('resolveJwtSecret', () => {
  it('returns JWT_SECRET when it is set', () => {
    expect(
      resolveJwtSecret({ JWT_SECRET: 'a-real-secret', NODE_ENV: 'production' }),
    ).toBe('a-real-secret');
  });

  it('falls back to the development secret outside production', () => {
    expect(resolveJwtSecret({ NODE_ENV: 'development' })).toBe(DEV_JWT_SECRET);
  });

  it('refuses a missing secret in production', () => {
    expect(() => resolveJwtSecret({ NODE_ENV: 'production' })).toThrow(
      /Set JWT_SECRET/,
    );
  });

  it('refuses the development secret in production', () => {
    expect(() =>
      resolveJwtSecret({ JWT_SECRET: DEV_JWT_SECRET, NODE_ENV: 'production' }),
    ).toThrow(/Set JWT_SECRET/);
  });
});
