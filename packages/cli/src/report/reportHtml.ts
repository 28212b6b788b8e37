import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { RunReport } from './RunReport.js';
import { REPORT_BODY, REPORT_SCRIPT, REPORT_STYLE } from './reportPage.js';

/**
 * The graph library bundled into every report: Cytoscape.js (rendering, zoom, pan) and its
 * dagre layout (layered, for DAGs), both MIT, read from their packages' minified builds when a
 * report is written (never at start-up).
 */
function graphLibrary(): string[] {
  const require = createRequire(import.meta.url);
  const dagre = join(dirname(require.resolve('cytoscape-dagre/package.json')), 'dist', 'cytoscape-dagre.min.js');
  return [readFileSync(require.resolve('cytoscape/dist/cytoscape.min.js'), 'utf8'), readFileSync(dagre, 'utf8')];
}

/**
 * One self-contained HTML file for a report: style, the graph library, the report as JSON and
 * the page's script, all inline. Its Content-Security-Policy allows no request at all (no
 * network, no other file): it opens offline, and a task's log lines (shown as text, never as
 * markup) cannot make it fetch anything.
 */
export function reportHtml(report: RunReport): string {
  const csp = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:";
  const scripts = [...graphLibrary(), REPORT_SCRIPT].map((code) => `<script>${code.replaceAll('</script', '<\\/script')}</script>`);
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(report.title)}: orch report</title>`,
    `<style>${REPORT_STYLE}</style>`,
    '</head><body>',
    REPORT_BODY,
    `<script type="application/json" id="orch-report-data">${scriptJson(report)}</script>`,
    ...scripts,
    '</body></html>',
    '',
  ].join('\n');
}

/** JSON that cannot end its `<script>` element early (`</script>` in a log line). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replaceAll('<', '\\u003c');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
