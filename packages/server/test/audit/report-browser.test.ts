/**
 * The HTML audit report in a real browser (Debian's chromium driven by playwright-core), opened from a
 * file:// URL as a user would: it renders every chart with its whiskers, logs no errors, makes no
 * network request, shows injected group names as text, follows the dark colour scheme, reads without
 * JavaScript, prints, and has no serious axe-core violations.
 *
 * Screenshots (and the PDF) go to test-results/audit/ (kept by CI as artifacts, never committed).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { type AuditRow, auditFairness, thresholdOptimizer } from '@parapet/core';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type AuditReport, renderAuditHtml } from '../../src/audit/report-html.ts';

const root = new URL('../../../..', import.meta.url).pathname;
const shots = join(root, 'test-results/audit');
const CHROMIUM = process.env.PARAPET_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-quic',
  '--no-first-run',
  '--disable-sync',
];

// Code inside page.evaluate/waitForFunction runs in the browser; these name its globals for the compiler.
// biome-ignore lint/suspicious/noExplicitAny: browser globals, typed loosely on purpose
declare const document: any;
// biome-ignore lint/suspicious/noExplicitAny: browser globals, typed loosely on purpose
declare const window: any;
// biome-ignore lint/suspicious/noExplicitAny: browser globals, typed loosely on purpose
declare function getComputedStyle(element: any): any;

const EVIL = '<img src=x onerror=alert(1)>';
const EVIL2 = '<script>window.__xss=1</script>';

// In CI the browser must be there (.ci/run installs it); elsewhere the suite is skipped with the reason.
const missing = existsSync(CHROMIUM) ? null : `no chromium at ${CHROMIUM} (apt-get install chromium)`;
if (missing !== null && process.env.CI === 'true') throw new Error(missing);

// ---------------------------------------------------------------------------------------------------
// A tiny table audited by the library itself: per race, fixed confusion counts (African-American: FPR
// 9/15 = 0.600 and FNR 3/15 = 0.200; Caucasian the other way round), sex alternating, scores that
// agree with the predictions; plus group thresholds for demographic parity on the same rows.

const CELLS: [race: string, tp: number, fp: number, tn: number, fn: number][] = [
  ['African-American', 12, 9, 6, 3],
  ['Caucasian', 6, 3, 12, 9],
  [EVIL, 2, 1, 2, 1],
];
const ROWS: AuditRow[] = [];
for (const [race, tp, fp, tn, fn] of CELLS) {
  const add = (label: 0 | 1, prediction: 0 | 1, k: number): void => {
    for (let i = 0; i < k; i++) {
      const score = prediction === 1 ? 0.55 + (i % 9) * 0.05 : 0.05 + (i % 9) * 0.05;
      ROWS.push({ label, prediction, score, groups: [race, ROWS.length % 2 === 1 ? 'Male' : 'Female'] });
    }
  };
  add(1, 1, tp);
  add(0, 1, fp);
  add(0, 0, tn);
  add(1, 0, fn);
}
const AUDIT = auditFairness(ROWS, { sensitive: ['race', 'sex'], bootstrap: { samples: 200, seed: 7 } });
const MITIGATION = thresholdOptimizer(
  ROWS.map((r) => ({ ...r, groups: [r.groups[0]!] })),
  { sensitive: ['race'], constraint: 'demographic_parity', bootstrap: { samples: 100, seed: 7 } },
);

const REPORT: AuditReport = {
  title: 'Fairness audit of tiny.csv',
  generatedAt: '2026-01-02T03:04:05.000Z',
  facts: [
    { label: 'Command', value: 'parapet audit fairness --data tiny.csv --sensitive race,sex' },
    { label: 'Rows read / kept / bad', value: '67 / 66 / 1' },
    { label: 'Seed', value: '7' },
  ],
  sections: [
    { kind: 'fairness', heading: 'Fairness by race and sex', audit: AUDIT },
    { kind: 'mitigation', heading: 'Mitigation: group thresholds', result: MITIGATION },
    {
      kind: 'bars',
      heading: 'Guard interventions by language',
      note: 'Share of requests the guard blocked, per detected language.',
      valueLabel: 'Block rate',
      percent: true,
      groups: [
        { label: 'en', value: 0.031, low: 0.024, high: 0.039, n: 2400 },
        { label: 'de', value: 0.058, low: 0.041, high: 0.077, n: 610 },
        { label: EVIL2, value: 0.1, low: 0.02, high: 0.3, n: 20 },
        { label: 'xx', value: null, low: null, high: null, n: 0 },
      ],
    },
    {
      kind: 'table',
      heading: 'Counterfactual outcomes',
      columns: ['Attribute value', 'Approve rate', 'Difference to reference'],
      rows: [
        ['Emily', 0.62, null],
        [EVIL, 0.55, -0.07],
      ],
      note: 'Names varied around the same loan decision.',
    },
  ],
  warnings: ['1 bad row skipped (line 17: 3 fields, expected 5)'],
};

describe('the HTML audit report in a browser', { skip: missing ?? false }, () => {
  let browser: Browser;
  let dir: string;
  let file: string;
  let url: string;
  let specs: { id: string; type: string }[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parapet-report-'));
    file = join(dir, 'report.html');
    const html = renderAuditHtml(REPORT);
    writeFileSync(file, html);
    url = pathToFileURL(file).href;
    const json = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)?.[1];
    specs = (JSON.parse(json ?? '{}') as { charts: { id: string; type: string }[] }).charts;
    mkdirSync(shots, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  /** Opens the report, recording console errors, page errors, dialogs and every request. */
  async function open(options: { colorScheme?: 'light' | 'dark'; javaScriptEnabled?: boolean } = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
    const page = await context.newPage();
    const problems: string[] = [];
    const dialogs: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(url);
    return { context, page, problems, dialogs, requests };
  }

  /** Per canvas: its id, whether Chart.js drew it, its drawn elements and its non-transparent pixels. */
  async function canvases(page: Page) {
    return page.evaluate(() =>
      [...document.querySelectorAll('canvas')].map((canvas) => {
        const chart = window.Chart.getChart(canvas);
        const { width, height } = canvas;
        // Read a copy (reading the chart's own canvas back makes Chromium warn about readbacks).
        const copy = document.createElement('canvas');
        copy.width = width;
        copy.height = height;
        const ctx = copy.getContext('2d', { willReadFrequently: true });
        ctx.drawImage(canvas, 0, 0);
        const pixels = ctx.getImageData(0, 0, width, height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
        const elements = chart
          ? chart.data.datasets.reduce(
              (n: number, _d: unknown, i: number) => n + chart.getDatasetMeta(i).data.length,
              0,
            )
          : 0;
        return { id: canvas.id as string, drawn: chart !== undefined, elements, painted, width, height };
      }),
    );
  }

  async function seriousAxe(page: Page): Promise<string[]> {
    const axe = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    // The report's CSP forbids other scripts; axe is added through the protocol, not the page.
    await page.evaluate(axe);
    const violations = (await page.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v: { id: string; impact: string; nodes: { target: string[] }[] }) => ({
        id: v.id,
        impact: v.impact,
        targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
      }));
    })) as { id: string; impact: string; targets: string[] }[];
    return violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.targets.join(', ')}`);
  }

  test('every chart renders with its whiskers, offline, without errors, and the payloads stay text', async () => {
    const { context, page, problems, dialogs, requests } = await open({ colorScheme: 'light' });
    await page.waitForFunction(() => document.documentElement.dataset.chartsDrawn !== undefined);
    assert.equal(
      Number(await page.evaluate(() => document.documentElement.dataset.chartsDrawn)),
      specs.length,
    );
    // Fairness: 6 rates × 3 columns (race, sex, race & sex) + 3 calibration charts; mitigation: 1; bars: 1.
    assert.equal(specs.length, 23);
    const drawn = await canvases(page);
    assert.deepEqual(
      drawn.map((c) => c.id),
      specs.map((s) => s.id),
    );
    for (const c of drawn) {
      assert.ok(c.drawn, `${c.id} has a chart`);
      assert.ok(c.elements > 0, `${c.id} has drawn elements`);
      assert.ok(c.width > 200 && c.height > 100, `${c.id} has a size (${c.width}×${c.height})`);
      assert.ok(c.painted > 0.02 * c.width * c.height, `${c.id} is painted (${c.painted} pixels)`);
    }
    // A whisker: on the centre line of African-American's FPR bar (0.600), the pixel at the upper end of
    // its interval (beyond the bar, over the transparent background) is ink.
    const fpr = (specs as { id: string; title?: string }[]).find(
      (c) => c.title === 'False-positive rate (FPR), by race',
    );
    assert.ok(fpr);
    const whisker = await page.evaluate((id) => {
      const canvas = document.getElementById(id);
      const chart = window.Chart.getChart(canvas);
      const spec = chart.$parapet;
      const i = spec.labels.indexOf('African-American');
      const bar = chart.getDatasetMeta(0).data[i];
      const x = Math.round(chart.scales.x.getPixelForValue(spec.series[0].high[i]) * window.devicePixelRatio);
      const y = Math.round(bar.y * window.devicePixelRatio);
      const copy = document.createElement('canvas');
      copy.width = canvas.width;
      copy.height = canvas.height;
      const ctx = copy.getContext('2d', { willReadFrequently: true });
      ctx.drawImage(canvas, 0, 0);
      return {
        high: spec.series[0].high[i],
        value: spec.series[0].values[i],
        at: [...ctx.getImageData(x - 1, y - 1, 3, 3).data],
      };
    }, fpr.id);
    assert.equal(whisker.value, 0.6);
    assert.ok(whisker.high > 0.65 && whisker.high < 1, `upper bound ${whisker.high}`);
    // The darkest, most opaque pixel of the 3×3 around it (the line is anti-aliased).
    const ink = Math.max(...whisker.at.filter((_, k) => k % 4 === 3));
    const darkest = Math.min(...whisker.at.filter((_, k) => k % 4 === 0));
    assert.ok(ink > 200 && darkest < 90, `dark, opaque whisker ink: ${whisker.at}`);
    // The injected names are shown as text in the tables, and nothing they contain ran.
    const body = (await page.evaluate(() => document.body.textContent)) as string;
    assert.ok(body.includes(EVIL), 'the img payload reads as text');
    assert.ok(body.includes(EVIL2), 'the script payload reads as text');
    assert.equal(await page.locator('img').count(), 0);
    assert.equal(await page.locator('script').count(), 3);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    await page.waitForTimeout(100);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, [url], 'the only request is the report file itself');
    assert.deepEqual(await seriousAxe(page), [], 'light theme');
    await page.screenshot({ path: join(shots, 'report.png'), fullPage: true });
    await context.close();
  });

  test('in the dark colour scheme the page and the charts use the dark palette', async () => {
    const { context, page, problems } = await open({ colorScheme: 'dark' });
    await page.waitForFunction(() => document.documentElement.dataset.chartsDrawn !== undefined);
    const colours = await page.evaluate(() => {
      const style = getComputedStyle(document.documentElement);
      const chart = window.Chart.getChart(document.querySelector('canvas'));
      return {
        background: getComputedStyle(document.body).backgroundColor as string,
        fg: style.getPropertyValue('--fg').trim() as string,
        title: chart.options.plugins.title.color as string,
      };
    });
    assert.equal(colours.background, 'rgb(13, 17, 23)');
    assert.equal(colours.title, colours.fg);
    // Switching the scheme while open re-colours the charts.
    await page.emulateMedia({ colorScheme: 'light' });
    await page.waitForFunction(
      () => window.Chart.getChart(document.querySelector('canvas')).options.plugins.title.color === '#1f2328',
    );
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForFunction(
      () => window.Chart.getChart(document.querySelector('canvas')).options.plugins.title.color === '#e6edf3',
    );
    assert.deepEqual(await seriousAxe(page), [], 'dark theme');
    await page.screenshot({ path: join(shots, 'report-dark.png'), fullPage: true });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('without JavaScript the tables carry every number and the charts give way to a note', async () => {
    const { context, page, problems, requests } = await open({ javaScriptEnabled: false });
    const body = (await page.evaluate(() => document.body.textContent)) as string;
    assert.equal(await page.locator('.no-js-note').isVisible(), true);
    assert.match(body, /The charts need JavaScript; every number they show is in the tables below\./);
    assert.equal(await page.locator('.chart-grid').first().isVisible(), false);
    // Rows, base rate, selection rate, TPR, FPR, FNR, …: each with its bootstrap interval in brackets.
    const rates = page.locator('table', {
      has: page.locator('caption', { hasText: 'Rates per group, by race' }),
    });
    const cells = async (group: string) =>
      rates
        .locator('tr', { has: page.getByRole('rowheader', { name: group, exact: true }) })
        .locator('td')
        .allTextContents();
    const aa = await cells('African-American');
    const ca = await cells('Caucasian');
    assert.equal(aa[0], '30');
    assert.match(aa[4]!, /^0\.600 \[0\.\d{3}, 0\.\d{3}\]$/, 'FPR 9/15');
    assert.match(aa[5]!, /^0\.200 \[0\.\d{3}, 0\.\d{3}\]$/, 'FNR 3/15');
    assert.match(ca[4]!, /^0\.200 \[/, 'FPR 3/15');
    assert.match(ca[5]!, /^0\.600 \[/, 'FNR 9/15');
    assert.ok(body.includes(EVIL));
    assert.match(body, /Fails the four-fifths rule/);
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, [url]);
    await context.close();
  });

  test('it prints: the print colours apply and a PDF comes out', async () => {
    const { context, page, problems } = await open({ colorScheme: 'dark' });
    await page.waitForFunction(() => document.documentElement.dataset.chartsDrawn !== undefined);
    await page.emulateMedia({ media: 'print' });
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(background, 'rgb(255, 255, 255)');
    await page.emulateMedia({ media: null });
    // Registered after the report's own handler, this sees the state the report prints in.
    await page.evaluate(() => {
      window.addEventListener('beforeprint', () => {
        window.__printed = {
          title: window.Chart.getChart(document.querySelector('canvas')).options.plugins.title.color,
          closedDetails: document.querySelectorAll('details:not([open])').length,
        };
      });
    });
    const pdf = join(shots, 'report.pdf');
    await page.pdf({ path: pdf, format: 'A4' });
    assert.ok(statSync(pdf).size > 50_000);
    assert.deepEqual(await page.evaluate(() => window.__printed), { title: '#000000', closedDetails: 0 });
    // Afterwards the screen colours and the closed details are back.
    assert.equal(
      await page.evaluate(
        () => window.Chart.getChart(document.querySelector('canvas')).options.plugins.title.color,
      ),
      '#e6edf3',
    );
    assert.equal(await page.locator('details[open]').count(), 0);
    assert.deepEqual(problems, []);
    await context.close();
  });
});
