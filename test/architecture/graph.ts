// The import graph of src/, read with the TypeScript compiler's own parser so that a comment,
// a string or a template that looks like an import never counts, and every real form does
// (import, export ... from, import type, dynamic import with a literal).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

export interface ModuleGraph {
  /** module path relative to src/ (posix) -> the modules of src/ it imports */
  modules: Map<string, Set<string>>;
}

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name === 'generated') continue;
      walk(path, out);
    } else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) {
      out.push(path);
    }
  }
}

function specifiers(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteralLike(arg)) found.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const posix = (path: string): string => path.split(sep).join('/');

export function moduleGraph(srcDir: string): ModuleGraph {
  const files: string[] = [];
  walk(srcDir, files);
  const known = new Set(files.map((f) => posix(relative(srcDir, f))));
  const modules = new Map<string, Set<string>>();
  for (const file of files) {
    const from = posix(relative(srcDir, file));
    const targets = new Set<string>();
    for (const spec of specifiers(file)) {
      if (!spec.startsWith('.')) continue;
      const target = posix(relative(srcDir, resolve(dirname(file), spec))).replace(/\.js$/, '.ts');
      if (known.has(target)) targets.add(target);
    }
    modules.set(from, targets);
  }
  return { modules };
}

/** The folder a module belongs to: its top-level folder under src/, or the file itself at the root. */
export function folderOf(module: string): string {
  const slash = module.indexOf('/');
  return slash < 0 ? module.replace(/\.ts$/, '') : module.slice(0, slash);
}

export function folderGraph(graph: ModuleGraph): Map<string, Set<string>> {
  const folders = new Map<string, Set<string>>();
  for (const [from, targets] of graph.modules) {
    const f = folderOf(from);
    const set = folders.get(f) ?? new Set<string>();
    folders.set(f, set);
    for (const t of targets) if (folderOf(t) !== f) set.add(folderOf(t));
  }
  return folders;
}

/** Strongly connected components with more than one node (Tarjan): each one is a cycle. */
export function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const strong = (v: string): void => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indices.get(w)!));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)?.has(v)) found.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!indices.has(v)) strong(v);
  return found;
}

/**
 * Layers of an acyclic graph, lowest first: a folder's layer is one more than the highest layer
 * it imports. Printed in docs/architecture.md.
 */
export function layers(graph: Map<string, Set<string>>): string[][] {
  const depth = new Map<string, number>();
  const visit = (v: string): number => {
    const known = depth.get(v);
    if (known !== undefined) return known;
    depth.set(v, 0);
    let d = 0;
    for (const w of graph.get(v) ?? []) d = Math.max(d, visit(w) + 1);
    depth.set(v, d);
    return d;
  };
  for (const v of graph.keys()) visit(v);
  const out: string[][] = [];
  for (const [v, d] of depth) (out[d] ??= []).push(v);
  return out.map((l) => l.sort());
}
