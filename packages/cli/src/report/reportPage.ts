/**
 * The HTML report's own style and script (the graph library is bundled beside them by
 * `reportHtml`). The script is plain ES2020 run by the browser, kept here as text; it is tested
 * in a real Chromium (test/cli/report.test.ts). It reads the report from the
 * `#orch-report-data` JSON block, draws the graph with Cytoscape.js and the dagre layout, the
 * timeline with plain elements, and sets `window.orchReport = { cy, select, ready }` once drawn
 * (what the tests and `bench/run.mjs report` wait for).
 */
export const REPORT_STYLE = `
:root { --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --bg: #ffffff; --panel: #f6f8fa; --critical: #8250df; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; padding: 10px 16px; border-bottom: 1px solid var(--line); background: var(--panel); }
header h1 { font-size: 15px; margin: 0; font-family: ui-monospace, monospace; }
#facts { display: flex; flex-wrap: wrap; gap: 4px 14px; color: var(--muted); }
#facts b { color: var(--fg); font-weight: 600; }
#tools { margin-left: auto; display: flex; gap: 6px; align-items: center; }
#search { width: 260px; padding: 4px 8px; border: 1px solid var(--line); border-radius: 6px; font: inherit; }
#matches { color: var(--muted); min-width: 70px; }
button { font: inherit; padding: 3px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); cursor: pointer; }
main { display: flex; height: 58vh; min-height: 320px; border-bottom: 1px solid var(--line); }
#graph { flex: 1; min-width: 0; position: relative; }
#details { width: 420px; overflow: auto; padding: 10px 14px; border-left: 1px solid var(--line); background: var(--panel); }
#details h2 { font-size: 14px; margin: 0 0 8px; font-family: ui-monospace, monospace; word-break: break-all; }
#details table { border-collapse: collapse; width: 100%; margin-bottom: 10px; }
#details th { text-align: left; color: var(--muted); font-weight: normal; padding: 2px 8px 2px 0; vertical-align: top; white-space: nowrap; }
#details td { padding: 2px 0; word-break: break-all; }
#details .gates td, #details .gates th { padding: 2px 6px 2px 0; font-size: 12px; word-break: normal; }
.mono { font-family: ui-monospace, monospace; }
pre.log { background: #0d1117; color: #e6edf3; padding: 8px; border-radius: 6px; font-size: 11.5px; line-height: 1.35; overflow: auto; max-height: 320px; white-space: pre-wrap; word-break: break-all; margin: 4px 0 0; }
.dep { cursor: pointer; color: #0969da; text-decoration: underline; margin-right: 8px; }
.verdict-pass { color: #1a7f37; } .verdict-fail { color: #cf222e; font-weight: 600; } .verdict-warn { color: #9a6700; }
#timeline { padding: 8px 16px 16px; }
#timeline h2 { font-size: 14px; margin: 4px 0 8px; }
#gantt { max-height: 34vh; overflow: auto; border: 1px solid var(--line); border-radius: 6px; }
.g-axis, .g-row { display: flex; align-items: center; height: 20px; }
.g-axis { position: sticky; top: 0; background: var(--panel); border-bottom: 1px solid var(--line); z-index: 1; }
.g-label { width: 260px; flex: none; padding: 0 8px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-family: ui-monospace, monospace; font-size: 11.5px; cursor: pointer; }
.g-track { position: relative; flex: 1; height: 100%; }
.g-bar { position: absolute; top: 4px; height: 12px; min-width: 2px; border-radius: 3px; cursor: pointer; }
.g-bar.critical { outline: 2px solid var(--critical); outline-offset: 1px; }
.g-row.selected { background: #ddf4ff; }
.g-row.hidden { display: none; }
.g-tick { position: absolute; top: 3px; font-size: 10.5px; color: var(--muted); border-left: 1px solid var(--line); padding-left: 3px; height: 14px; }
footer { display: flex; flex-wrap: wrap; gap: 12px; padding: 8px 16px 14px; color: var(--muted); }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 3px; border: 1px solid #8c959f; vertical-align: -2px; margin-right: 4px; }
.swatch.critical { border: 3px solid var(--critical); background: #fff; }
`;

export const REPORT_SCRIPT = String.raw`
(function () {
  'use strict';
  var report = JSON.parse(document.getElementById('orch-report-data').textContent);
  var COLORS = { succeeded: '#4ac26b', cached: '#54aeff', failed: '#ff6b6b', skipped: '#d0d7de', cancelled: '#afb8c1', 'awaiting-intervention': '#ffa657', running: '#e3b341', 'not-run': '#ffffff' };
  var LABELS = { succeeded: 'succeeded (ran)', cached: 'restored from the cache', failed: 'failed', skipped: 'skipped', cancelled: 'cancelled', 'awaiting-intervention': 'awaiting intervention', running: 'running (no outcome logged)', 'not-run': report.kind === 'graph' ? 'task (not run)' : 'not run' };
  var byId = new Map(report.tasks.map(function (t) { return [t.id, t]; }));
  var onPath = new Set(report.criticalPath);
  var criticalEdges = new Set();
  for (var i = 1; i < report.criticalPath.length; i++) criticalEdges.add(report.criticalPath[i - 1] + '\u0000' + report.criticalPath[i]);

  function el(tag, props, children) {
    var node = document.createElement(tag);
    for (var key in props || {}) {
      if (key === 'text') node.textContent = props[key];
      else if (key === 'className') node.className = props[key];
      else if (key === 'style') node.style.cssText = props[key];
      else if (key === 'onclick') node.addEventListener('click', props[key]);
      else node.setAttribute(key, props[key]);
    }
    (children || []).forEach(function (child) { if (child != null) node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child); });
    return node;
  }
  function ms(value) {
    if (value == null) return '—';
    if (value < 1000) return Math.round(value) + 'ms';
    if (value < 60000) return (value / 1000).toFixed(value < 10000 ? 2 : 1) + 's';
    return Math.floor(value / 60000) + 'm' + Math.round((value % 60000) / 1000) + 's';
  }
  function outcome(t) { return t.cache && t.cache.status === 'hit' ? 'cached' : t.status; }

  // Header.
  document.getElementById('title').textContent = report.title;
  var facts = document.getElementById('facts');
  function fact(name, value) { facts.appendChild(el('span', {}, [name + ' ', el('b', { text: String(value) })])); }
  if (report.session) {
    fact('session', report.session.id);
    fact('status', report.session.status);
    if (report.session.runs > 1) fact('runs', report.session.runs);
  }
  if (report.startedAt) fact('started', new Date(report.startedAt).toISOString().replace('T', ' ').slice(0, 19) + ' UTC');
  if (report.durationMs != null) fact('took', ms(report.durationMs));
  var counts = {};
  report.tasks.forEach(function (t) { var o = outcome(t); counts[o] = (counts[o] || 0) + 1; });
  fact('tasks', report.tasks.length + ' (' + Object.keys(counts).map(function (k) { return counts[k] + ' ' + k; }).join(', ') + ')');
  fact('critical path', report.criticalPath.length + ' task' + (report.criticalPath.length === 1 ? '' : 's') + (report.kind === 'graph' ? ' (by past durations)' : ''));

  // Legend.
  var legend = document.getElementById('legend');
  Object.keys(COLORS).forEach(function (k) { if (counts[k]) legend.appendChild(el('span', {}, [el('span', { className: 'swatch', style: 'background:' + COLORS[k] }), LABELS[k]])); });
  legend.appendChild(el('span', {}, [el('span', { className: 'swatch critical' }), 'critical path']));
  legend.appendChild(el('span', { text: 'arrows point from a dependency to the task that needs it; scroll to zoom, drag to pan' }));

  // Graph.
  var elements = [];
  report.tasks.forEach(function (t) {
    elements.push({ group: 'nodes', data: { id: t.id, label: t.id, color: COLORS[outcome(t)], w: Math.max(60, t.id.length * 6.2 + 14) }, classes: (onPath.has(t.id) ? 'critical ' : '') + 'status-' + outcome(t) });
    t.dependencies.forEach(function (d) {
      elements.push({ group: 'edges', data: { id: d + ' -> ' + t.id, source: d, target: t.id }, classes: criticalEdges.has(d + '\u0000' + t.id) ? 'critical' : '' });
    });
  });
  cytoscape.use(cytoscapeDagre);
  var cy = cytoscape({
    container: document.getElementById('graph'),
    elements: elements,
    minZoom: 0.02,
    maxZoom: 4,
    textureOnViewport: report.tasks.length > 300,
    hideEdgesOnViewport: report.tasks.length > 300,
    style: [
      { selector: 'node', style: { shape: 'round-rectangle', width: 'data(w)', height: 24, 'background-color': 'data(color)', 'border-width': 1, 'border-color': '#57606a', label: 'data(label)', 'font-size': 11, 'font-family': 'ui-monospace, monospace', 'text-valign': 'center', 'text-halign': 'center', color: '#1f2328' } },
      { selector: 'edge', style: { width: 1.2, 'line-color': '#8c959f', 'target-arrow-color': '#8c959f', 'target-arrow-shape': 'triangle', 'arrow-scale': 0.8, 'curve-style': 'bezier' } },
      { selector: 'node.critical', style: { 'border-width': 4, 'border-color': '#8250df' } },
      { selector: 'edge.critical', style: { width: 3, 'line-color': '#8250df', 'target-arrow-color': '#8250df' } },
      { selector: 'node:selected', style: { 'overlay-color': '#0969da', 'overlay-opacity': 0.25, 'overlay-padding': 4 } },
      { selector: '.faded', style: { opacity: 0.15 } },
    ],
    layout: { name: 'dagre', rankDir: 'LR', nodeSep: 8, rankSep: 50, edgeSep: 4, animate: false, fit: true, padding: 20 },
  });
  cy.on('tap', 'node', function (event) { select(event.target.id(), false); });
  document.getElementById('fit').addEventListener('click', function () { cy.fit(undefined, 20); });

  // Timeline.
  var rows = new Map();
  var gantt = document.getElementById('gantt');
  var timed = report.tasks.filter(function (t) { return t.startedAt != null; });
  if (timed.length === 0) {
    gantt.appendChild(el('p', { style: 'padding:8px;margin:0', text: report.kind === 'graph' ? 'This is the task graph, not a run: no timeline (orch report shows one for a session).' : 'No task of this session started: no timeline.' }));
  } else {
    var t0 = Math.min.apply(null, timed.map(function (t) { return t.startedAt; }));
    var t1 = Math.max.apply(null, timed.map(function (t) { return t.finishedAt != null ? t.finishedAt : t.startedAt; }));
    var span = Math.max(1, t1 - t0);
    var axis = el('div', { className: 'g-axis' }, [el('div', { className: 'g-label', text: 'task' })]);
    var axisTrack = el('div', { className: 'g-track' });
    for (var k = 0; k < 5; k++) axisTrack.appendChild(el('span', { className: 'g-tick', style: 'left:' + k * 20 + '%', text: '+' + ms((span * k) / 5) }));
    axis.appendChild(axisTrack);
    gantt.appendChild(axis);
    timed.slice().sort(function (a, b) { return a.startedAt - b.startedAt || a.id.localeCompare(b.id); }).forEach(function (t) {
      var end = t.finishedAt != null ? t.finishedAt : t.startedAt;
      var bar = el('div', { className: 'g-bar' + (onPath.has(t.id) ? ' critical' : ''), title: t.id + ': ' + outcome(t) + ', ' + ms(end - t.startedAt), style: 'left:' + ((t.startedAt - t0) / span) * 100 + '%;width:' + ((end - t.startedAt) / span) * 100 + '%;background:' + COLORS[outcome(t)] });
      var row = el('div', { className: 'g-row', 'data-task': t.id }, [el('div', { className: 'g-label', text: t.id, title: t.id }), el('div', { className: 'g-track' }, [bar])]);
      row.addEventListener('click', function () { select(t.id, true); });
      rows.set(t.id, row);
      gantt.appendChild(row);
    });
  }

  // Details of one task.
  var details = document.getElementById('details');
  function select(id, center) {
    var t = byId.get(id);
    if (!t) return;
    cy.$(':selected').unselect();
    var node = cy.getElementById(id);
    node.select();
    if (center) cy.center(node);
    rows.forEach(function (row, key) { row.classList.toggle('selected', key === id); });
    details.replaceChildren(renderDetails(t));
  }
  function row(name, value, mono) { return el('tr', {}, [el('th', { text: name }), el('td', { className: mono ? 'mono' : '', text: value == null || value === '' ? '—' : String(value) })]); }
  function renderDetails(t) {
    var cache = t.cache ? (t.cache.status === 'hit' ? 'hit (' + t.cache.source + ')' : 'miss (ran)') : '—';
    var table = el('table', {}, [
      row('status', LABELS[outcome(t)] + (t.resumed ? ', done in an earlier run of the session' : '') + (onPath.has(t.id) ? ' · on the critical path' : '')),
      row('hash', t.hash, true),
      row('cache', cache),
      row('inputs', t.inputs != null ? t.inputs + ' file' + (t.inputs === 1 ? '' : 's') : null),
      row(report.kind === 'graph' ? 'past duration' : 'duration', ms(t.durationMs)),
      row('exit code', t.exitCode),
      t.attempts > 1 ? row('attempts', t.attempts) : null,
      report.startedAt != null && t.startedAt != null ? row('started', '+' + ms(t.startedAt - report.startedAt)) : null,
      t.stage ? row('failed at', t.stage) : null,
      t.error ? row('error', t.error) : null,
    ].filter(Boolean));
    var deps = el('p', {}, ['depends on: '].concat(t.dependencies.length === 0 ? ['nothing'] : t.dependencies.map(function (d) { return el('span', { className: 'dep mono', text: d, onclick: function () { select(d, true); } }); })));
    var gates = t.gates.length === 0 ? el('p', { text: 'gates: none recorded' }) : el('table', { className: 'gates' }, [el('tr', {}, [el('th', { text: 'stage' }), el('th', { text: 'gate' }), el('th', { text: 'verdict' }), el('th', { text: 'message' })])].concat(t.gates.map(function (g) {
      return el('tr', {}, [el('td', { text: g.stage }), el('td', { className: 'mono', text: g.gate }), el('td', { className: 'verdict-' + g.status, text: g.status }), el('td', { text: g.message })]);
    })));
    var log = t.logTail && t.logTail.length > 0 ? el('pre', { className: 'log' }, [t.logTail.join('\n')]) : el('p', { className: 'log-empty', text: report.kind === 'graph' ? 'no log: the graph has not run' : 'no output' });
    return el('div', {}, [el('h2', { text: t.id }), table, deps, el('h3', { text: 'log' + (t.log ? ' (last lines of ' + t.log + ')' : ''), style: 'font-size:13px;margin:8px 0 4px' }), log, el('h3', { text: 'gate verdicts', style: 'font-size:13px;margin:8px 0 4px' }), gates]);
  }

  // Search by task name.
  var search = document.getElementById('search');
  var matchCount = document.getElementById('matches');
  function matching() {
    var query = search.value.trim().toLowerCase();
    return query === '' ? null : report.tasks.filter(function (t) { return t.id.toLowerCase().indexOf(query) >= 0; });
  }
  search.addEventListener('input', function () {
    var found = matching();
    var keep = found ? new Set(found.map(function (t) { return t.id; })) : null;
    cy.batch(function () {
      cy.nodes().forEach(function (n) { n.toggleClass('faded', keep !== null && !keep.has(n.id())); });
      cy.edges().forEach(function (e) { e.toggleClass('faded', keep !== null); });
    });
    rows.forEach(function (row, id) { row.classList.toggle('hidden', keep !== null && !keep.has(id)); });
    matchCount.textContent = found ? found.length + ' of ' + report.tasks.length : '';
  });
  search.addEventListener('keydown', function (event) {
    var found = matching();
    if (event.key === 'Enter' && found && found.length > 0) select(found[0].id, true);
  });

  var first = report.tasks.find(function (t) { return t.status === 'failed'; }) || report.tasks[report.tasks.length - 1];
  if (first) select(first.id, false);
  requestAnimationFrame(function () { requestAnimationFrame(function () { window.orchReport = { cy: cy, select: select, ready: true }; }); });
})();
`;

/** The page's elements, filled in by `REPORT_SCRIPT`. */
export const REPORT_BODY = `
<header><h1 id="title"></h1><div id="facts"></div>
<div id="tools"><input id="search" type="search" placeholder="search tasks by name" aria-label="search tasks by name"><span id="matches"></span><button id="fit" type="button">fit graph</button></div></header>
<main><section id="graph" aria-label="task graph"></section><aside id="details"></aside></main>
<section id="timeline"><h2>Timeline</h2><div id="gantt"></div></section>
<footer id="legend"></footer>
`;
