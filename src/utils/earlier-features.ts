import { Tree } from '@angular-devkit/schematics';
import { posix } from 'node:path';
import { readRecordedFeatures, RecordedFeature } from './generated-files';
import { CONFIG_FOLDER as KIT_FOLDER, HostProject } from './host-project';
import { findDecoratorMetadata, findProperty } from './module-metadata';
import { ts } from './typescript';

/**
 * The features of a project that an upgrade renders again: those nest-realtime.json records, or, in an app
 * from a release before features were recorded, those `findEarlierFeatures` finds.
 */
export function featuresToUpgrade(
  tree: Tree,
  host: HostProject,
  project?: string,
): { features: RecordedFeature[]; recorded: boolean } {
  const recorded = readRecordedFeatures(tree).filter((feature) => (feature.project ?? undefined) === project);
  return recorded.length > 0
    ? { features: recorded, recorded: true }
    : { features: findEarlierFeatures(tree, host, project), recorded: false };
}

/**
 * Features generated before nest-realtime.json recorded them, found where realtime-gateway put them by default:
 * `<sourceRoot>/<name>/<name>.gateway.ts`, a gateway that imports the kit. Their namespace is read from the
 * gateway's decorator; they keep their module registration as it is (skipImport).
 *
 * @example
 * findEarlierFeatures(tree, host); // [{ name: 'chat', namespace: '/chat', spec: true, skipImport: true }]
 */
export function findEarlierFeatures(tree: Tree, host: HostProject, project?: string): RecordedFeature[] {
  return tree
    .getDir(host.sourceRoot)
    .subdirs.map(String)
    .filter((name) => name !== KIT_FOLDER)
    .flatMap((name) => {
      const gatewayPath = posix.join(host.sourceRoot, name, `${name}.gateway.ts`);
      const source = tree.read(gatewayPath)?.toString('utf-8');
      const namespace = source === undefined ? undefined : kitGatewayNamespace(gatewayPath, source);
      if (namespace === undefined) {
        return [];
      }
      const spec = tree.exists(posix.join(host.sourceRoot, name, `${name}.gateway.${host.specFileSuffix}.ts`));
      return [{ name, namespace, project, spec, skipImport: true }];
    });
}

/** The namespace of a `@WebSocketGateway({ namespace: '...' })` class in a file that imports our kit. */
function kitGatewayNamespace(path: string, source: string): string | undefined {
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const importsKit = file.statements.some(
    (statement) =>
      ts.isImportDeclaration(statement) &&
      ts.isStringLiteral(statement.moduleSpecifier) &&
      statement.moduleSpecifier.text.startsWith(`../${KIT_FOLDER}/`),
  );
  const metadata = importsKit ? findDecoratorMetadata(file, 'WebSocketGateway', '@nestjs/websockets') : undefined;
  const namespace = metadata && findProperty(file, metadata, 'namespace');
  return namespace && ts.isStringLiteralLike(namespace) ? namespace.text : undefined;
}
