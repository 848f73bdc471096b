import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { findModuleMetadata, ModuleMetadataField } from '../../src/utils/module-metadata';
import { readSourceFile, ts } from '../../src/utils/typescript';

/** The entries of one array of a file's @Module() metadata, as source text (e.g. ['ChatModule']). */
export function moduleMetadataArray(tree: UnitTestTree, path: string, field: ModuleMetadataField): string[] {
  const source = readSourceFile(tree, path);
  const array = findModuleMetadata(source)
    ?.properties.filter(ts.isPropertyAssignment)
    .find((property) => property.name.getText(source) === field)?.initializer;
  return array && ts.isArrayLiteralExpression(array) ? array.elements.map((element) => element.getText(source)) : [];
}
