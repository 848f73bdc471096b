import { SchematicsException, Tree } from '@angular-devkit/schematics';
// The TypeScript build that @schematics/angular's AST helpers are written against: parsing with the same
// build keeps their node kinds and ours identical, whatever TypeScript version the host app uses.
import * as ts from '@schematics/angular/third_party/github.com/Microsoft/TypeScript/lib/typescript';

export { ts };

/** Parses a file of the tree, failing with a message that names the file when it is missing. */
export function readSourceFile(tree: Tree, path: string): ts.SourceFile {
  const text = tree.read(path)?.toString('utf-8');
  if (text === undefined) {
    throw new SchematicsException(`Cannot read ${path}: the file does not exist.`);
  }
  return ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}
