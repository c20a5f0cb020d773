// Diagnostics as GitHub Actions workflow commands (`::error file=,line=,col=::message`), so each
// problem shows on the line of the pull request's diff. Every value is escaped the way the
// Actions runner expects, so no message can end its line and start another command.
import path from 'node:path';
import { formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import { escapeText } from '../text/escape.js';
import { md } from './markdown.js';

const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

export interface AnnotationOptions {
  /** Folder the diagnostics' file names are relative to (the one holding paystrator.yaml). */
  baseDir: string;
  /** The repository checkout (GITHUB_WORKSPACE); annotation paths are relative to it. */
  repoDir: string;
  title?: string;
}

export function annotation(d: Diagnostic, opts: AnnotationOptions): string {
  const props: string[] = [];
  if (d.file) {
    const rel = path.relative(opts.repoDir, path.resolve(opts.baseDir, d.file)).split(path.sep).join('/');
    props.push(`file=${escapeProperty(escapeText(rel))}`);
    if (d.line !== undefined) props.push(`line=${d.line}`);
    if (d.col !== undefined) props.push(`col=${d.col}`);
  }
  props.push(`title=${escapeProperty(opts.title ?? 'paystrator-gitops')}`);
  // The message without the location, which the annotation carries itself.
  const { file: _file, ...rest } = d;
  // One line, whatever a quoted name holds: the runner would act on a raw control character.
  const message = escapeText(formatDiagnostic(rest).replace(/^warning: /, ''));
  return `::${d.severity === 'error' ? 'error' : 'warning'} ${props.join(',')}::${escapeData(message)}`;
}

export function renderAnnotations(diagnostics: Diagnostic[], opts: AnnotationOptions): string {
  return diagnostics.map((d) => annotation(d, opts) + '\n').join('');
}

/** validate's step summary: the verdict, then the problems with their locations. */
export function validateSummaryMarkdown(env: string, providers: number, errors: Diagnostic[], warnings: Diagnostic[]): string {
  const head = errors.length
    ? `**Paystrator validate (${md(env)}): ${errors.length} error${errors.length === 1 ? '' : 's'}.**`
    : `**Paystrator validate (${md(env)}): valid, ${providers} provider${providers === 1 ? '' : 's'}.**`;
  const shown = [...errors, ...warnings].slice(0, 200);
  const list = shown.map((d) => `- ${d.severity === 'error' ? 'error' : 'warning'}: ${md(formatDiagnostic(d))}`);
  const more = errors.length + warnings.length - shown.length;
  return [head, ...(list.length ? ['', ...list] : []), ...(more > 0 ? [`- … and ${more} more`] : [])].join('\n');
}
