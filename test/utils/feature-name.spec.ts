import { SchematicsException } from '@angular-devkit/schematics';
import { parseFeatureName } from '../../src/utils/feature-name';

describe('parseFeatureName', () => {
  it.each([
    ['chat', 'chat', 'Chat', 'chat'],
    ['liveScore', 'live-score', 'LiveScore', 'liveScore'],
    ['live-score', 'live-score', 'LiveScore', 'liveScore'],
    ['Live_score', 'live-score', 'LiveScore', 'liveScore'],
  ])('derives the spellings of %s', (name, fileName, className, propertyName) => {
    expect(parseFeatureName(name)).toEqual({ fileName, className, propertyName, directory: '' });
  });

  it('takes folders in front of the name, joined to --path', () => {
    expect(parseFeatureName('admin/liveScore', 'features')).toMatchObject({
      fileName: 'live-score',
      directory: 'features/admin',
    });
  });

  it.each([
    ['', /A feature name is required/],
    ['   ', /A feature name is required/],
    ['123abc', /"123abc" is not a valid feature name/],
    ['a b', /"a b" is not a valid feature name/],
    ['chat!', /not a valid feature name/],
    ['../x', /points outside the source root/],
    ['a/../../x', /points outside the source root/],
  ])('rejects %j with a message that says what to do', (name, message) => {
    expect(() => parseFeatureName(name)).toThrow(SchematicsException);
    expect(() => parseFeatureName(name)).toThrow(message);
  });

  it('rejects a --path that leaves the source root', () => {
    expect(() => parseFeatureName('chat', '../outside')).toThrow(/with --path "..\/outside" points outside/);
  });

  it('rejects a missing name', () => {
    expect(() => parseFeatureName(undefined)).toThrow(/A feature name is required/);
  });
});
