import { DEV_JWT_SECRET, resolveJwtSecret } from './realtime.config.js';

const ENV_KEYS = ['JWT_SECRET', 'NODE_ENV'] as const;

describe('resolveJwtSecret', () => {
  const saved = ENV_KEYS.map((key) => [key, process.env[key]] as const);

  afterEach(() => {
    for (const [key, value] of saved) {
      if (value === undefined) {
        delete process.env[key];
      } else {
        process.env[key] = value;
      }
    }
  });

  it('returns JWT_SECRET when it is set', () => {
    process.env.JWT_SECRET = 'a-real-secret';
    process.env.NODE_ENV = 'production';

    expect(resolveJwtSecret()).toBe('a-real-secret');
  });

  it('falls back to the development secret outside production', () => {
    delete process.env.JWT_SECRET;
    process.env.NODE_ENV = 'development';

    expect(resolveJwtSecret()).toBe(DEV_JWT_SECRET);
  });

  it('refuses a missing secret in production', () => {
    delete process.env.JWT_SECRET;
    process.env.NODE_ENV = 'production';

    expect(() => resolveJwtSecret()).toThrow(/Set JWT_SECRET/);
  });

  it('refuses the development secret in production', () => {
    process.env.JWT_SECRET = DEV_JWT_SECRET;
    process.env.NODE_ENV = 'production';

    expect(() => resolveJwtSecret()).toThrow(/Set JWT_SECRET/);
  });
});
