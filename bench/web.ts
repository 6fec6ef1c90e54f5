/**
 * Details pages (issue 14): time to first render of the overview and of one SLO page on the demo
 * report, in Debian's chromium, against a static HTML file of the same size (the page's own
 * rendered DOM, saved without scripts) served from the same machine in the same run. Also the
 * what-if redraw: slider moved -> new figure on screen (the issue asks for < 300 ms).
 *
 * "First render" = navigation start to the first animation frame in which the page's main element
 * (the table, the chart) exists, read from the page's own clock (performance.now()).
 */
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { Page } from 'playwright-core';
import { startDemoServer } from '../app/web/index.js';
import { DEMO_REPO } from '../app/web/demo.js';
import { findWebRoot } from '../app/web/static.js';
import { launchChromium } from '../test/helpers/browser.js';
import { median } from './lib.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const root = findWebRoot();
if (!root) {
  process.stderr.write('dist/web is missing: run `npm run build:web` first\n');
  process.exit(2);
}

const server = await startDemoServer({ logger: pino({ level: 'silent' }), port: 0 });
const browser = await launchChromium();

/** Static pages by path; assets straight from dist/web (same files, same server machine). */
const statics = new Map<string, string>();
const staticServer = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0]!;
  const html = statics.get(path);
  if (html !== undefined) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    return;
  }
  if (path.startsWith('/ui/_assets/') && !path.includes('..')) {
    readFile(join(root, '_assets', path.slice('/ui/_assets/'.length))).then(
      (body) => res.writeHead(200, { 'content-type': path.endsWith('.css') ? 'text/css' : 'text/javascript' }).end(body),
      () => res.writeHead(404).end(),
    );
    return;
  }
  res.writeHead(404).end();
});
await new Promise<void>((resolve) => staticServer.listen(0, '127.0.0.1', resolve));
const staticBase = `http://127.0.0.1:${(staticServer.address() as AddressInfo).port}`;

/** The few browser globals used below (this file is compiled without lib.dom). */
interface Win {
  document: { querySelector(s: string): { textContent: string | null; dispatchEvent(e: unknown): boolean } | null; documentElement: { outerHTML: string } };
  HTMLInputElement: { prototype: object };
  Event: new (type: string, init: { bubbles: boolean }) => unknown;
  t0: number;
}

async function firstRender(url: string, selector: string): Promise<{ ms: number; html: string }> {
  const page: Page = await browser.context.newPage();
  await page.goto(url, { waitUntil: 'commit' });
  // Browser-side functions (strings would need eval, which the pages' CSP forbids); this file is
  // type-checked without the DOM library, hence the narrow `Win` view of the page's globals.
  const handle = await page.waitForFunction((sel) => ((globalThis as unknown as Win).document.querySelector(sel) ? performance.now() : 0), selector, { polling: 'raf', timeout: 60_000 });
  const ms = (await handle.jsonValue()) as number;
  const dom = await page.evaluate(() => (globalThis as unknown as Win).document.documentElement.outerHTML);
  const html = `<!doctype html>${dom.replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '')}`;
  await page.close();
  return { ms, html };
}

async function measure(name: string, url: string, selector: string): Promise<void> {
  await firstRender(url, selector); // warm-up: the demo analysis, the JIT, the asset cache
  const app: number[] = [];
  let html = '';
  for (let i = 0; i < RUNS; i++) {
    const r = await firstRender(url, selector);
    app.push(r.ms);
    html = r.html;
  }
  const path = `/static-${name}.html`;
  statics.set(path, html);
  await firstRender(`${staticBase}${path}`, selector);
  const baseline: number[] = [];
  for (let i = 0; i < RUNS; i++) baseline.push((await firstRender(`${staticBase}${path}`, selector)).ms);
  const a = median(app);
  const b = median(baseline);
  process.stdout.write(`${name.padEnd(9)} first render median ${a.toFixed(0)} ms (React page + API) vs ${b.toFixed(0)} ms (static HTML, ${(html.length / 1024).toFixed(0)} KiB) -> ${(a / b).toFixed(2)}x, ${RUNS} runs each\n`);
}

async function whatIfRedraw(): Promise<void> {
  const page = await browser.context.newPage();
  await page.goto(server.links.whatIf(DEMO_REPO, 'search-search-latency'));
  await page.getByTestId('whatif-chart').waitFor();
  const times: number[] = [];
  const values = Array.from({ length: RUNS * 2 }, (_, i) => (i % 2 ? 1.5 : 2.5) + i * 0.05);
  for (const v of values) {
    const value = v.toFixed(2).replace(/\.?0+$/, '');
    // React listens to the native value setter + an input event, as a real drag produces.
    await page.evaluate((val) => {
      const w = globalThis as unknown as Win;
      const el = w.document.querySelector('[data-testid=slider-traffic]')!;
      Object.getOwnPropertyDescriptor(w.HTMLInputElement.prototype, 'value')!.set!.call(el, val);
      w.t0 = performance.now();
      el.dispatchEvent(new w.Event('input', { bubbles: true }));
    }, value);
    const handle = await page.waitForFunction((want) => {
      const w = globalThis as unknown as Win;
      return (w.document.querySelector('[data-testid=roundtrip]')?.textContent ?? '').startsWith(want) ? performance.now() - w.t0 : 0;
    }, `traffic x${value} `, { polling: 'raf', timeout: 30_000 });
    times.push((await handle.jsonValue()) as number);
  }
  await page.close();
  process.stdout.write(`what-if   slider moved -> new figure drawn: median ${median(times).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms over ${times.length} moves (budget 300 ms)\n`);
}

try {
  await measure('overview', server.pages.overview, '[data-testid=overview-table] tbody tr');
  await measure('slo', server.links.slo(DEMO_REPO, 'checkout-checkout-latency'), '[data-testid=sli-chart] polyline');
  await whatIfRedraw();
} finally {
  await browser.close();
  await server.close();
  staticServer.close();
}
