import { strings } from '@angular-devkit/core';
import { SchematicsException } from '@angular-devkit/schematics';

/** A validated feature name in the spellings generated code needs. */
export interface FeatureName {
  /** kebab-case, for files and folders: 'live-score' */
  fileName: string;
  /** PascalCase, for classes: 'LiveScore' */
  className: string;
  /** camelCase, for variables: 'liveScore' */
  propertyName: string;
  /** Folders given in front of the name ('admin/chat' -> 'admin'), joined to --path. */
  directory: string;
}

const SEGMENT = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * Validates a user-given feature name (optionally prefixed with folders, as in `nest g module admin/chat`)
 * and derives its spellings. Rejects anything that would make an invalid identifier or escape the project.
 *
 * @example
 * parseFeatureName('liveScore'); // { fileName: 'live-score', className: 'LiveScore', ... }
 */
export function parseFeatureName(rawName: string | undefined, path = ''): FeatureName {
  const name = (rawName ?? '').trim();
  if (!name) {
    throw new SchematicsException('A feature name is required, e.g. `nest g realtime-gateway chat`.');
  }
  const segments = name
    .replace(/\\/g, '/')
    .split('/')
    .filter((segment) => segment !== '');
  const pathSegments = path
    .replace(/\\/g, '/')
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.');
  for (const segment of [...pathSegments, ...segments]) {
    if (segment === '..') {
      throw new SchematicsException(
        `"${rawName}"${path ? ` with --path "${path}"` : ''} points outside the source root. ` +
          'Use a name like "chat" or "admin/chat" and --path relative to the source root.',
      );
    }
  }
  const invalid = segments.find((segment) => !SEGMENT.test(segment));
  if (invalid !== undefined) {
    throw new SchematicsException(
      `"${rawName}" is not a valid feature name: "${invalid}" must start with a letter and contain only letters, ` +
        'digits, "-" or "_" (e.g. chat, live-score, liveScore).',
    );
  }
  const pathInvalid = pathSegments.find((segment) => !/^[A-Za-z0-9_.-]+$/.test(segment));
  if (pathInvalid !== undefined) {
    throw new SchematicsException(`--path "${path}" has an invalid folder name "${pathInvalid}".`);
  }
  const last = segments[segments.length - 1];
  const fileName = strings.dasherize(last);
  return {
    fileName,
    className: strings.classify(fileName),
    propertyName: strings.camelize(fileName),
    directory: [...pathSegments, ...segments.slice(0, -1).map((segment) => strings.dasherize(segment))].join('/'),
  };
}
