/**
 * What earlier cells declared, as the text of one virtual module (`__nnlab_prev__.d.ts`) that every
 * cell imports from. A cell that declares a name again replaces that name's entry, so re-running
 * `const x = ...` works and a cell may shadow a prelude name.
 */
import type * as TS from "typescript";

export interface DeclarationEntry {
  /** Declaration text as it appears in the module (without `export`). */
  texts: string[];
  /** `let`/`var`: later cells may assign it. */
  mutable: boolean;
}

export class DeclarationStore {
  private readonly entries = new Map<string, DeclarationEntry>();

  constructor(private readonly ts: typeof TS) {}

  /** Names a later cell can use. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  isMutable(name: string): boolean {
    return this.entries.get(name)?.mutable ?? false;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** An entry made of an import of `name` from `specifier` (the prelude and the runtime). */
  addImport(name: string, specifier: string): void {
    this.entries.set(name, { texts: [`import { ${name} } from ${JSON.stringify(specifier)};`], mutable: false });
  }

  /**
   * Folds in one cell: every name the cell declared drops its old entry, then the cell's
   * declaration output (`.d.ts` text) supplies the new ones.
   */
  commit(declaredNames: ReadonlySet<string>, dts: string): void {
    for (const name of declaredNames) this.entries.delete(name);
    // The output also imports earlier cells' names it refers to (from this very module): those
    // keep their own entries, which the module's scope already provides.
    for (const [name, entry] of parseDeclarations(this.ts, dts)) {
      if (declaredNames.has(name)) this.entries.set(name, entry);
    }
  }

  /** The module text: every entry, then one export list. */
  moduleText(): string {
    const texts: string[] = [];
    for (const entry of this.entries.values()) texts.push(...entry.texts);
    const names = this.names();
    texts.push(names.length > 0 ? `export { ${names.join(", ")} };` : "export {};");
    return texts.join("\n") + "\n";
  }
}

/**
 * Splits a cell's declaration output into one entry per declared name (overloads and an
 * interface merged with a value of the same name stay together).
 */
function parseDeclarations(ts: typeof TS, dts: string): Map<string, DeclarationEntry> {
  const file = ts.createSourceFile("cell.d.ts", dts, ts.ScriptTarget.Latest, true);
  const out = new Map<string, DeclarationEntry>();
  const add = (name: string, text: string, mutable = false): void => {
    const entry = out.get(name);
    if (entry) entry.texts.push(text);
    else out.set(name, { texts: [text], mutable });
  };
  for (const statement of file.statements) {
    if (ts.isExportDeclaration(statement) || ts.isExportAssignment(statement)) continue;
    if (ts.isImportDeclaration(statement)) {
      for (const [name, text] of splitImport(ts, statement)) add(name, text);
      continue;
    }
    if (ts.isVariableStatement(statement)) {
      const list = statement.declarationList;
      const keyword = list.flags & ts.NodeFlags.Const ? "const" : list.flags & ts.NodeFlags.Let ? "let" : "var";
      const jsDoc = list.declarations.length === 1 ? leadingComments(statement, file) : "";
      for (const declaration of list.declarations) {
        if (!ts.isIdentifier(declaration.name)) continue;
        add(declaration.name.text, `${jsDoc}declare ${keyword} ${declaration.getText(file)};`, keyword !== "const");
      }
      continue;
    }
    const name = (statement as TS.Statement & { name?: TS.Node }).name;
    if (name && (ts.isIdentifier(name) || ts.isStringLiteral(name))) {
      add(name.text, leadingComments(statement, file) + withoutExportKeyword(statement.getText(file)));
    }
  }
  return out;
}

/** `import a, { b as c } from "m"` becomes one import per local name. */
function splitImport(ts: typeof TS, statement: TS.ImportDeclaration): Array<[string, string]> {
  const clause = statement.importClause;
  const from = statement.moduleSpecifier.getText();
  if (!clause) return [];
  const typeOnly = clause.isTypeOnly ? "type " : "";
  const out: Array<[string, string]> = [];
  if (clause.name) out.push([clause.name.text, `import ${typeOnly}${clause.name.text} from ${from};`]);
  const bindings = clause.namedBindings;
  if (bindings && ts.isNamespaceImport(bindings)) {
    out.push([bindings.name.text, `import ${typeOnly}* as ${bindings.name.text} from ${from};`]);
  } else if (bindings) {
    for (const element of bindings.elements) {
      const imported = element.propertyName ? `${element.propertyName.getText()} as ` : "";
      out.push([element.name.text, `import ${typeOnly}{ ${imported}${element.name.text} } from ${from};`]);
    }
  }
  return out;
}

function leadingComments(node: TS.Node, file: TS.SourceFile): string {
  const full = node.getFullText(file);
  const start = node.getStart(file) - node.getFullStart();
  const comments = full.slice(0, start).trim();
  return comments.startsWith("/**") ? comments + "\n" : "";
}

function withoutExportKeyword(text: string): string {
  return text.replace(/^export\s+(default\s+)?/, "");
}
