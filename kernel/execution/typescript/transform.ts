/**
 * The emit-time rewrite of a cell (a `before` transformer, so the type checker still sees the
 * original nodes):
 * - a reference to a name of an earlier cell (an import from `__nnlab_prev__`), or to a top-level
 *   variable or function of this cell, becomes `exports.name`, the kernel's scope object, so every cell and
 *   every function reads and assigns the same binding;
 * - that generated import disappears from the JavaScript;
 * - the cell's last expression statement becomes `return <expression>` (the cell's result);
 * - `help(x)` gets the TypeScript description of `x` as a hidden second argument;
 * - `await x` becomes `await __nnlabAwait(x)`, so that an interrupt ends the cell at its next await
 *   (see ../interruptible.ts).
 * An `after` transformer then drops CommonJS's initial `exports.x = void 0` (see below).
 */
import type * as TS from "typescript";
import { AWAIT_HELPER } from "../interruptible";

export interface CellTransformInfo {
  /** Offset where the user's code ends and the generated suffix begins. */
  userEnd: number;
  prevSpecifier: string;
  /** Description text of `help(x)` calls, by the call's start offset. */
  helpDocs: Map<number, string>;
}

export function cellTransformers(
  ts: typeof TS,
  checker: TS.TypeChecker,
  info: CellTransformInfo,
): TS.CustomTransformers {
  return {
    before: [(context) => (file) => transformCell(ts, checker, context, file, info)],
    after: [(context) => (file) => withoutExportResets(ts, context, file)],
  };
}

/**
 * CommonJS output starts with `exports.a = exports.b = void 0;` for the names a module exports.
 * For a cell that would wipe the previous values of the names it redeclares before it has run, so
 * a cell that fails half-way would lose them; without it they keep their values until reassigned.
 */
function withoutExportResets(ts: typeof TS, context: TS.TransformationContext, file: TS.SourceFile): TS.SourceFile {
  const isReset = (statement: TS.Statement): boolean => {
    if (!ts.isExpressionStatement(statement)) return false;
    let expression = statement.expression;
    while (
      ts.isBinaryExpression(expression) &&
      expression.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isPropertyAccessExpression(expression.left) &&
      ts.isIdentifier(expression.left.expression) &&
      expression.left.expression.text === "exports"
    ) {
      expression = expression.right;
    }
    return expression !== statement.expression && ts.isVoidExpression(expression);
  };
  return context.factory.updateSourceFile(
    file,
    file.statements.filter((statement) => !isReset(statement)),
  );
}

/** `help(x)` calls whose `help` is the prelude's: where they are and where their argument ends. */
export function findHelpCalls(
  ts: typeof TS,
  checker: TS.TypeChecker,
  file: TS.SourceFile,
  userEnd: number,
): Array<{ position: number; argumentEnd: number }> {
  const calls: Array<{ position: number; argumentEnd: number }> = [];
  const visit = (node: TS.Node): void => {
    if (node.pos >= userEnd) return;
    if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === "help" &&
      node.arguments.length === 1 &&
      isPreludeSymbol(ts, checker, node.expression)
    ) {
      calls.push({ position: node.getStart(file), argumentEnd: node.arguments[0].getEnd() });
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(file, visit);
  return calls;
}

function isPreludeSymbol(ts: typeof TS, checker: TS.TypeChecker, id: TS.Identifier): boolean {
  const symbol = checker.getSymbolAtLocation(id);
  if (!symbol || !(symbol.flags & ts.SymbolFlags.Alias)) return false;
  const target = checker.getAliasedSymbol(symbol);
  const inPrelude = /[\\/]kernel[\\/]execution[\\/]prelude[\\/]/;
  return (target.declarations ?? []).some((d) => inPrelude.test(d.getSourceFile().fileName));
}

function transformCell(
  ts: typeof TS,
  checker: TS.TypeChecker,
  context: TS.TransformationContext,
  file: TS.SourceFile,
  info: CellTransformInfo,
): TS.SourceFile {
  const { factory } = context;
  const isSuffix = (statement: TS.Statement): boolean => statement.getStart(file) >= info.userEnd;

  const prevAliases = new Set<TS.Symbol>();
  for (const statement of file.statements) {
    if (!isSuffix(statement) || !ts.isImportDeclaration(statement)) continue;
    const bindings = statement.importClause?.namedBindings;
    if (!bindings || !ts.isNamedImports(bindings)) continue;
    for (const element of bindings.elements) {
      const symbol = checker.getSymbolAtLocation(element.name);
      if (symbol) prevAliases.add(symbol);
    }
  }
  // The cell's own top-level variables and functions live in the scope object too, so that a
  // function of this cell sees what a later cell assigns or redeclares, as Python's globals behave.
  const declarationNames = new Set<TS.Node>();
  const collect = (name: TS.BindingName): void => {
    if (ts.isIdentifier(name)) {
      declarationNames.add(name);
      const symbol = checker.getSymbolAtLocation(name);
      if (symbol) prevAliases.add(symbol);
    } else {
      for (const element of name.elements) if (!ts.isOmittedExpression(element)) collect(element.name);
    }
  };
  for (const statement of file.statements) {
    if (isSuffix(statement)) continue;
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) collect(declaration.name);
    } else if (ts.isFunctionDeclaration(statement) && statement.name) {
      // Functions too (their exports are assigned before anything runs); classes stay local,
      // since a class body may use its own name while the class is being defined.
      collect(statement.name);
    }
  }
  const isPrev = (symbol: TS.Symbol | undefined): boolean => symbol !== undefined && prevAliases.has(symbol);
  const scopeReference = (id: TS.Identifier): TS.Expression => {
    const access = factory.createPropertyAccessExpression(factory.createIdentifier("exports"), id.text);
    return ts.setTextRange(ts.setOriginalNode(access, id), id);
  };

  const visit = (node: TS.Node): TS.Node => {
    if (ts.isTypeNode(node) && !ts.isExpressionWithTypeArguments(node)) return node;
    if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return node;
    if (ts.isHeritageClause(node) && node.token === ts.SyntaxKind.ImplementsKeyword) return node;
    if (ts.isShorthandPropertyAssignment(node) && isPrev(checker.getShorthandAssignmentValueSymbol(node))) {
      return ts.setTextRange(factory.createPropertyAssignment(node.name.text, scopeReference(node.name)), node);
    }
    if (ts.isIdentifier(node) && !declarationNames.has(node) && isPrev(checker.getSymbolAtLocation(node))) {
      return scopeReference(node);
    }
    if (ts.isAwaitExpression(node) && node.pos < info.userEnd) {
      const awaited = ts.visitEachChild(node, visit, context);
      const call = factory.createCallExpression(factory.createIdentifier(AWAIT_HELPER), undefined, [
        awaited.expression,
      ]);
      return factory.updateAwaitExpression(awaited, ts.setTextRange(call, node.expression));
    }
    if (ts.isCallExpression(node) && node.pos < info.userEnd) {
      const doc = info.helpDocs.get(node.getStart(file));
      if (doc !== undefined) {
        const call = ts.visitEachChild(node, visit, context);
        return factory.updateCallExpression(call, call.expression, call.typeArguments, [
          ...call.arguments,
          factory.createStringLiteral(doc),
        ]);
      }
    }
    return ts.visitEachChild(node, visit, context);
  };

  const userStatements = file.statements.filter((s) => !isSuffix(s));
  const last = userStatements[userStatements.length - 1];
  const statements: TS.Statement[] = [];
  for (const statement of file.statements) {
    if (isSuffix(statement)) {
      if (ts.isExportDeclaration(statement)) statements.push(statement);
      continue;
    }
    const visited = ts.visitNode(statement, visit) as TS.Statement;
    if (statement === last && ts.isExpressionStatement(visited)) {
      statements.push(ts.setTextRange(factory.createReturnStatement(visited.expression), statement));
    } else {
      statements.push(visited);
    }
  }
  return factory.updateSourceFile(file, statements);
}
