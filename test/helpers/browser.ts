import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * The system's Chromium (Debian's `chromium` package, which `npm test` installs when it is
 * missing), or the one `CHROMIUM_PATH` names. A machine without it fails the browser tests
 * with what to install: they are never skipped.
 */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((candidate) => existsSync(candidate));
  if (!path || !existsSync(path)) throw new Error('no Chromium: install it (apt-get install -y chromium, as npm test does as root) or set CHROMIUM_PATH');
  return path;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: ['--disable-gpu', '--disable-dev-shm-usage'] });
}

/** A page of a report, and what went wrong while it ran: console errors, page errors, and any request for something other than the file itself. */
export interface OpenedReport {
  page: Page;
  problems: string[];
}

/** Opens an HTML report from disk and waits until it says it is drawn (`window.orchReport.ready`). */
export async function openReport(browser: Browser, file: string): Promise<OpenedReport> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems: string[] = [];
  const url = pathToFileURL(file).href;
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('request', (request) => {
    if (request.url() !== url) problems.push(`request: ${request.url()}`);
  });
  await page.goto(url);
  await page.waitForFunction(() => (globalThis as any).orchReport?.ready === true, null, { timeout: 20_000 });
  return { page, problems };
}

/** Clicks a task's node where the graph drew it, as a person would. */
export async function clickNode(page: Page, id: string): Promise<void> {
  const point = await page.evaluate((task) => {
    const cy = (globalThis as any).orchReport.cy;
    const node = cy.getElementById(task);
    cy.center(node);
    const box = (globalThis as any).document.getElementById('graph').getBoundingClientRect();
    const at = node.renderedPosition();
    return { x: box.left + at.x, y: box.top + at.y };
  }, id);
  await page.mouse.click(point.x, point.y);
}

/** The graph as drawn: node ids, edges (`dependency -> task`), and the nodes and edges marked critical. */
export async function drawnGraph(page: Page): Promise<{ nodes: string[]; edges: string[]; criticalNodes: string[]; criticalEdges: string[]; classes: Record<string, string[]> }> {
  return page.evaluate(() => {
    const cy = (globalThis as any).orchReport.cy;
    const edge = (e: any) => `${e.source().id()} -> ${e.target().id()}`;
    return {
      nodes: cy.nodes().map((n: any) => n.id()).sort(),
      edges: cy.edges().map(edge).sort(),
      criticalNodes: cy.nodes('.critical').map((n: any) => n.id()).sort(),
      criticalEdges: cy.edges('.critical').map(edge).sort(),
      classes: Object.fromEntries(cy.nodes().map((n: any) => [n.id(), n.classes()])),
    };
  });
}
