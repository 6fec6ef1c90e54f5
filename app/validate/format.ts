import { formatConfigError, type ConfigError } from '../config/loader.js';
import { FILE_KINDS, type FileKind } from './index.js';

export const VALIDATE_FORMATS = ['text', 'json', 'github'] as const;
export type ValidateFormat = (typeof VALIDATE_FORMATS)[number];

export interface FileReport { file: string; kinds: FileKind[]; objects: number; errors: ConfigError[] }
export interface ValidateReport { files: FileReport[]; promql: { checker: 'promtool' | 'parser'; note?: string } }

/** What `ok` lines say about a file: its kinds and how many objects it held. */
export function describeFile(r: FileReport): string {
  if (r.kinds.length === 1 && r.kinds[0] === 'openslo') return `${r.objects} OpenSLO object${r.objects === 1 ? '' : 's'}`;
  const kinds = r.kinds.map((k) => FILE_KINDS[k]).join(', ') || 'empty';
  return r.objects > 1 ? `${kinds}, ${r.objects} objects` : kinds;
}

/** GitHub workflow commands escape %, CR and LF in messages, and also ":" and "," in properties. */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** Lines for stdout and stderr in the chosen format. */
export function renderValidateReport(report: ValidateReport, format: ValidateFormat): { stdout: string; stderr: string } {
  if (format === 'json') {
    const files = report.files.map((f) => ({ file: f.file, ok: f.errors.length === 0, kinds: f.kinds, objects: f.objects, errors: f.errors }));
    return { stdout: `${JSON.stringify({ ok: files.every((f) => f.ok), promql: report.promql, files }, null, 2)}\n`, stderr: '' };
  }
  if (format === 'github') {
    // Workflow annotations (::error file=...,line=...,col=...::message) go to stdout, where the runner reads them.
    const lines: string[] = [];
    for (const f of report.files) {
      for (const e of f.errors) lines.push(`::error file=${escapeProperty(e.file)},line=${e.line},col=${e.col},title=${escapeProperty(`slo-scout validate${e.path ? `: ${e.path}` : ''}`)}::${escapeData(e.message)}`);
    }
    if (report.promql.note) lines.push(`::notice title=slo-scout validate::${escapeData(report.promql.note)}`);
    const bad = report.files.filter((f) => f.errors.length > 0).length;
    lines.push(`${report.files.length - bad} of ${report.files.length} file${report.files.length === 1 ? '' : 's'} valid`);
    return { stdout: `${lines.join('\n')}\n`, stderr: '' };
  }
  let stdout = '';
  let stderr = '';
  for (const f of report.files) {
    if (f.errors.length > 0) for (const e of f.errors) stderr += `${formatConfigError(e)}\n`;
    else stdout += `${f.file}: ok (${describeFile(f)})\n`;
  }
  if (report.promql.note) stderr += `note: ${report.promql.note}\n`;
  return { stdout, stderr };
}
