import { SchematicsException } from '@angular-devkit/schematics';
import { Change, InsertChange, NoopChange, RemoveChange } from '@schematics/angular/utility/change';
import { ts } from './typescript';

/*
 * Small AST edits of a TypeScript file, each returning the changes to apply (see applySourceChanges). They
 * find their anchor by name in the parsed file, never by a text pattern, and fail with a message naming the
 * file and the anchor when it is not there.
 */

/**
 * Imports `names` from `from`: joins an existing import of that module (type-only when `typeOnly` and the
 * import is, else as `type name` inside a value import), or adds a new import after the last one. Names
 * imported from there already are left out; nothing changes when all are.
 *
 * @example
 * addNamedImports(source, ['TypingAckDto', 'TypingDto'], './dto/typing.dto.js');
 * addNamedImports(source, ['TypingAck'], './chat.events.js', { typeOnly: true });
 */
export function addNamedImports(
  source: ts.SourceFile,
  names: string[],
  from: string,
  { typeOnly = false }: { typeOnly?: boolean } = {},
): Change {
  const imports = source.statements.filter(ts.isImportDeclaration);
  const fromModule = imports.filter(
    (declaration) => ts.isStringLiteral(declaration.moduleSpecifier) && declaration.moduleSpecifier.text === from,
  );
  const imported = new Set(
    fromModule.flatMap((declaration) => {
      const bindings = declaration.importClause?.namedBindings;
      return bindings && ts.isNamedImports(bindings) ? bindings.elements.map((element) => element.name.text) : [];
    }),
  );
  const missing = names.filter((name) => !imported.has(name));
  if (missing.length === 0) {
    return new NoopChange();
  }
  const joinable = fromModule.find((declaration) => {
    const clause = declaration.importClause;
    return (
      clause?.namedBindings !== undefined && ts.isNamedImports(clause.namedBindings) && (typeOnly || !clause.isTypeOnly)
    );
  });
  if (joinable) {
    const clause = joinable.importClause as ts.ImportClause;
    const bindings = clause.namedBindings as ts.NamedImports;
    const specifiers = missing.map((name) => (typeOnly && !clause.isTypeOnly ? `type ${name}` : name)).join(', ');
    const last = bindings.elements[bindings.elements.length - 1];
    return last
      ? new InsertChange(source.fileName, last.getEnd(), `, ${specifiers}`)
      : new InsertChange(source.fileName, bindings.getStart() + 1, ` ${specifiers} `);
  }
  const statement = `import ${typeOnly ? 'type ' : ''}{ ${missing.join(', ')} } from '${from}';`;
  const lastImport = imports[imports.length - 1];
  return lastImport
    ? new InsertChange(source.fileName, lastImport.getEnd(), `\n${statement}`)
    : new InsertChange(source.fileName, 0, `${statement}\n`);
}

/** The interface `name` declared at the top level of the file. */
export function findInterface(source: ts.SourceFile, name: string): ts.InterfaceDeclaration | undefined {
  return source.statements.find(
    (statement): statement is ts.InterfaceDeclaration =>
      ts.isInterfaceDeclaration(statement) && statement.name.text === name,
  );
}

/** The class `name` declared at the top level of the file. */
export function findClass(source: ts.SourceFile, name: string): ts.ClassDeclaration | undefined {
  return source.statements.find(
    (statement): statement is ts.ClassDeclaration => ts.isClassDeclaration(statement) && statement.name?.text === name,
  );
}

/** Names of an interface's or class's members (properties and methods). */
export function memberNames(declaration: ts.InterfaceDeclaration | ts.ClassDeclaration): string[] {
  const members: ReadonlyArray<ts.ClassElement | ts.TypeElement> = declaration.members;
  return members.flatMap((member) =>
    member.name && (ts.isIdentifier(member.name) || ts.isStringLiteral(member.name)) ? [member.name.text] : [],
  );
}

/**
 * Inserts `text` as the last member of an interface or class, after a blank line when `separate` (as
 * methods are), else right below the last member (as the entries of an event map are).
 */
export function appendMember(
  source: ts.SourceFile,
  declaration: ts.InterfaceDeclaration | ts.ClassDeclaration,
  text: string,
  { separate = true }: { separate?: boolean } = {},
): Change {
  const members: ReadonlyArray<ts.Node> = declaration.members;
  const last = members[members.length - 1];
  return last
    ? new InsertChange(source.fileName, last.getEnd(), `${separate ? '\n' : ''}\n${text}`)
    : // The closing brace is the declaration's last token.
      new InsertChange(source.fileName, declaration.getEnd() - 1, `\n${text}\n`);
}

/** Inserts `text` (whole statements) before a top-level statement. */
export function insertBefore(source: ts.SourceFile, statement: ts.Statement, text: string): Change {
  return new InsertChange(source.fileName, statement.getFullStart(), `\n\n${text}\n`);
}

/** Adds `key: value` to an object literal, unless it has a property `key` already. */
export function addObjectProperty(
  source: ts.SourceFile,
  object: ts.ObjectLiteralExpression,
  key: string,
  value: string,
): Change {
  const existing = object.properties.find(
    (property) => property.name && ts.isIdentifier(property.name) && property.name.text === key,
  );
  if (existing) {
    return new NoopChange();
  }
  const last = object.properties[object.properties.length - 1];
  return last
    ? new InsertChange(source.fileName, last.getEnd(), `, ${key}: ${value}`)
    : new InsertChange(source.fileName, object.getStart() + 1, ` ${key}: ${value} `);
}

/**
 * The top-level `describe('<title>…', () => { … })` call of a spec whose title starts with `title`, and the
 * body of its callback.
 */
export function findDescribeBody(source: ts.SourceFile, title: string): ts.Block | undefined {
  for (const statement of source.statements) {
    if (!ts.isExpressionStatement(statement) || !ts.isCallExpression(statement.expression)) {
      continue;
    }
    const [name, callback] = statement.expression.arguments;
    const callee = statement.expression.expression;
    if (
      ts.isIdentifier(callee) &&
      callee.text === 'describe' &&
      name !== undefined &&
      ts.isStringLiteralLike(name) &&
      name.text.startsWith(title) &&
      callback !== undefined &&
      (ts.isArrowFunction(callback) || ts.isFunctionExpression(callback)) &&
      ts.isBlock(callback.body)
    ) {
      return callback.body;
    }
  }
  return undefined;
}

/** Inserts `text` (whole statements) at the end of a block. */
export function appendToBlock(source: ts.SourceFile, block: ts.Block, text: string): Change {
  return new InsertChange(source.fileName, block.getEnd() - 1, `\n${text}\n`);
}

/** Whether a block declares `name` directly (a `let`/`const` or a function), as a spec's describe does. */
export function blockDeclares(block: ts.Block, name: string): boolean {
  return block.statements.some(
    (statement) =>
      (ts.isFunctionDeclaration(statement) && statement.name?.text === name) ||
      (ts.isVariableStatement(statement) &&
        statement.declarationList.declarations.some(
          (declaration) => ts.isIdentifier(declaration.name) && declaration.name.text === name,
        )),
  );
}

/**
 * Removes the line comments right above `statement` that match `pattern` (e.g. an eslint-disable directive
 * that an edit makes pointless).
 */
export function removeLeadingComments(source: ts.SourceFile, statement: ts.Statement, pattern: RegExp): Change[] {
  const text = source.getFullText();
  return (
    (ts.getLeadingCommentRanges(text, statement.getFullStart()) ?? [])
      .filter(
        (range) =>
          range.kind === ts.SyntaxKind.SingleLineCommentTrivia && pattern.test(text.slice(range.pos, range.end)),
      )
      // The line goes with it, so the doc comment above stays attached to the statement.
      .map(
        (range) =>
          new RemoveChange(
            source.fileName,
            range.pos,
            text.slice(range.pos, range.end).concat(text[range.end] === '\n' ? '\n' : ''),
          ),
      )
  );
}

/** Applies insertions and removals made against `source` to its text. */
export function applySourceChanges(source: ts.SourceFile, changes: Change[]): string {
  // From the end, so positions stay valid; of two at one position, the earlier change ends up first.
  const edits = changes
    .map((change, index) => ({ change, index }))
    .filter(
      (entry): entry is { change: InsertChange | RemoveChange; index: number } =>
        entry.change instanceof InsertChange || entry.change instanceof RemoveChange,
    )
    .sort((a, b) => b.change.order - a.change.order || b.index - a.index)
    .map(({ change }) => change);
  let text = source.getFullText();
  for (const change of edits) {
    text =
      change instanceof InsertChange
        ? text.slice(0, change.pos) + change.toAdd + text.slice(change.pos)
        : text.slice(0, change.order) + text.slice(change.order + change.toRemove.length);
  }
  return text;
}

/** Fails with a message naming what is missing where, and what to do. */
export function missingAnchor(path: string, what: string, advice: string): SchematicsException {
  return new SchematicsException(`${path} has no ${what}. ${advice}`);
}
