/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core) against a real gateway
 * on loopback, with the official OpenAI SDK as the gateway's client and the wire-format mock as the only
 * upstream. It builds the dashboard from source first, so it tests what is in the tree.
 *
 * Screenshots go to test-results/dashboard/ (kept by CI as artifacts, never committed).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { ADMIN_ROLES, type AdminRole, roleAllows } from '../../server/src/admin/permissions.ts';
import { addUser, PASSWORD } from '../../server/test/admin/access-helpers.ts';
import { type AdminSetup, adminTestConfig, startAdminSetup } from '../../server/test/admin/admin-helpers.ts';

const root = new URL('../../..', import.meta.url).pathname;
const dashboardDir = join(root, 'packages/dashboard');
const shots = join(root, 'test-results/dashboard');
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

/** What the navigation offers, with the permission each page needs (the same table as App.tsx). */
const NAV: readonly [label: string, permission: Parameters<typeof roleAllows>[1]][] = [
  ['Overview', 'analytics.read'],
  ['Activity', 'events.read'],
  ['People & apps', 'analytics.read'],
  ['Fairness', 'analytics.read'],
  ['Policies', 'policies.read'],
  ['Approvals', 'approvals.read'],
  ['Discovery', 'discovery.read'],
  ['Keys', 'keys.read'],
  ['Users & tokens', 'users.read'],
  ['Settings', 'settings.read'],
];

// Code inside page.evaluate/waitForFunction runs in the browser; these name its globals for the compiler.
// biome-ignore lint/suspicious/noExplicitAny: browser globals, typed loosely on purpose
declare const document: any;
// biome-ignore lint/suspicious/noExplicitAny: browser globals, typed loosely on purpose
declare const window: any;
type HTMLTextAreaElement = { value: string };

const POLICY_YAML = `default: allow
rules:
  - id: block-secrets
    when: { direction: input, detections: { secrets: {} } }
    action: block
  - id: review-held-app
    when: { direction: input, apps: [held-app] }
    action: hold
`;

const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

// In CI the browser must be there (.ci/run installs it); elsewhere the suite is skipped with the reason.
const missing = existsSync(CHROMIUM) ? null : `no chromium at ${CHROMIUM} (apt-get install chromium)`;
if (missing !== null && process.env.CI === 'true') throw new Error(missing);

describe('dashboard in a browser', { skip: missing ?? false }, () => {
  let s: AdminSetup;
  let dist: string;
  let browser: Browser;
  let client: OpenAI;
  let heldClient: OpenAI;
  let axeSource: string;

  before(async () => {
    dist = mkdtempSync(join(tmpdir(), 'parapet-dashboard-dist-'));
    await build({
      root: dashboardDir,
      configFile: join(dashboardDir, 'vite.config.ts'),
      logLevel: 'silent',
      build: { outDir: dist, emptyOutDir: true },
    });
    s = await startAdminSetup({
      config: (mock) =>
        adminTestConfig(mock, {
          dashboard: { dir: dist },
          policy: {
            default: 'allow',
            rules: [
              {
                id: 'block-secrets',
                when: { direction: 'input', detections: { secrets: {} } },
                action: 'block',
              },
              { id: 'review-held-app', when: { direction: 'input', apps: ['held-app'] }, action: 'hold' },
            ],
          },
        }),
    });
    for (const role of ADMIN_ROLES) await addUser(s.gw.store, `dash-${role}`, role);
    client = new OpenAI({ apiKey: s.gw.key, baseURL: `${s.gw.url}/v1`, maxRetries: 0 });
    const held = await s.gw.createKey({ user: 'hal', groups: ['contractors'], app: 'held-app' });
    heldClient = new OpenAI({ apiKey: held.key, baseURL: `${s.gw.url}/v1`, maxRetries: 0 });
    // Traffic: personal data and a topic, an XSS payload, a blocked credential, and plain questions.
    await ask(client, 'Please email alice@example.com the quarterly revenue figures');
    await ask(client, `${XSS} and write to alice@example.com`);
    await ask(client, 'Deploy with AKIAIOSFODNN7EXAMPLE please').catch(() => undefined);
    for (let i = 0; i < 4; i++) await ask(client, `What is a good name for a cat, take ${i}?`);
    await s.gw.waitForEvents(7);
    axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    mkdirSync(shots, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await s?.close();
    if (dist !== undefined) rmSync(dist, { recursive: true, force: true });
  });

  /** A fresh browser context signed in as `dash-<role>` through the sign-in form. */
  async function signedIn(
    role: AdminRole,
  ): Promise<{ context: BrowserContext; page: Page; dialogs: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${s.gw.url}/`);
    await page.getByLabel('Account name').fill(`dash-${role}`);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').waitFor();
    return { context, page, dialogs };
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  }

  /** Serious and critical axe-core violations of the page as it is. */
  async function axeViolations(page: Page): Promise<string[]> {
    await page.evaluate(axeSource);
    const results = await page.evaluate(async () => {
      // biome-ignore lint/suspicious/noExplicitAny: axe is a global the evaluated script defines
      const axe = (window as any).axe;
      const r = await axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v: { id: string; impact: string; nodes: { target: string[] }[] }) => ({
        id: v.id,
        impact: v.impact,
        targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
      }));
    });
    return results
      .filter((v: { impact: string }) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v: { id: string; impact: string; targets: string[] }) =>
          `${v.impact} ${v.id}: ${v.targets.join(', ')}`,
      );
  }

  test('every role signs in and is offered exactly the pages its permissions allow', async () => {
    for (const role of ADMIN_ROLES) {
      const { context, page } = await signedIn(role);
      const nav = page.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link').first().waitFor();
      const offered = await nav.getByRole('link').allInnerTexts();
      const expected = NAV.filter(([, p]) => roleAllows(role, p)).map(([label]) => label);
      assert.deepEqual(offered, expected, role);
      assert.match(await page.getByTestId('who').innerText(), new RegExp(role));
      await shot(page, `role-${role}`);
      await context.close();
    }
  });

  test('the overview shows the stored traffic, in both themes, without serious axe violations', async () => {
    const { context, page } = await signedIn('admin');
    await page.goto(`${s.gw.url}/#/?window=24h`);
    const tile = page.getByTestId('overview-interactions');
    await tile.waitFor();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="overview-interactions"] .stat-value')?.textContent === '7',
    );
    await page.getByTestId('chart-decisions').waitFor();
    await page.locator('[data-testid="chart-interactions"] svg').first().waitFor();
    await shot(page, 'overview-light');
    assert.deepEqual(await axeViolations(page), [], 'overview, light theme');
    await page.getByTestId('theme-toggle').click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await shot(page, 'overview-dark');
    assert.deepEqual(await axeViolations(page), [], 'overview, dark theme');
    // A wall screen: the same page, larger, still without horizontal scrolling.
    await page.setViewportSize({ width: 2560, height: 1440 });
    await shot(page, 'overview-wall');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1));
    await context.close();
  });

  test('every page opens by keyboard and has no serious axe violations in either theme', async () => {
    const { context, page } = await signedIn('admin');
    await page.goto(`${s.gw.url}/#/activity`);
    await page.getByTestId('event-row').first().waitFor();
    // `g` then a letter goes to a page, from anywhere but a text field.
    await page.locator('main h1').click();
    await page.keyboard.press('g');
    await page.keyboard.press('p');
    await page.getByRole('heading', { name: 'People & apps', level: 1 }).waitFor();
    assert.match(page.url(), /#\/people$/);
    // Tab reaches the navigation's links in order.
    const focusedLinks: string[] = [];
    await page.locator('body').focus();
    for (let i = 0; i < 30 && focusedLinks.length < NAV.length; i++) {
      await page.keyboard.press('Tab');
      const text = await page.evaluate(() =>
        document.activeElement?.closest('nav') ? (document.activeElement.textContent ?? '') : null,
      );
      if (text !== null) focusedLinks.push(text);
    }
    assert.deepEqual(
      focusedLinks,
      NAV.map(([label]) => label),
    );
    for (const theme of ['light', 'dark']) {
      await page.evaluate((t) => {
        document.documentElement.dataset.theme = t;
      }, theme);
      for (const path of [
        'people',
        'fairness',
        'discovery',
        'keys',
        'users',
        'settings',
        'policies',
        'approvals',
      ]) {
        await page.goto(`${s.gw.url}/#/${path}`);
        await page.locator('main h1').waitFor();
        await page.waitForFunction(() => document.querySelector('main .loading') === null);
        await page.evaluate((t) => {
          document.documentElement.dataset.theme = t;
        }, theme);
        if (theme === 'dark') await shot(page, `page-${path}-dark`);
        else await shot(page, `page-${path}`);
        assert.deepEqual(await axeViolations(page), [], `${path}, ${theme} theme`);
      }
    }
    await context.close();
  });

  test('the activity table filters on the server and links to the interaction', async () => {
    const { context, page } = await signedIn('analyst');
    await page.goto(`${s.gw.url}/#/activity`);
    const rows = page.getByTestId('event-row');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 7);
    await page.getByLabel('Decision').selectOption('blocked');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="event-row"]').length === 1);
    assert.match(await rows.first().innerText(), /blocked/);
    assert.match(page.url(), /action=blocked/);
    await page.getByLabel('Decision').selectOption('');
    await page.locator('[data-search]').fill('figures');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="event-row"]').length === 1);
    await shot(page, 'activity-search');
    assert.deepEqual(await axeViolations(page), [], 'activity');
    // Keyboard: `/` focuses the search box.
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement?.hasAttribute('data-search')), true);
    await rows.first().getByTestId('event-link').click();
    await page.getByTestId('conversation').waitFor();
    assert.match(page.url(), /#\/events\/evt_/);
    await context.close();
  });

  test('an interaction shows its findings highlighted with type and score, and the decision trace', async () => {
    const { context, page } = await signedIn('analyst');
    const events = await s.gw.events();
    const withEmail = events.find(
      (e) =>
        e.findings.input.some((f) => f.type === 'EMAIL_ADDRESS') && !JSON.stringify(e).includes('onerror'),
    );
    assert.ok(withEmail);
    await page.goto(`${s.gw.url}/#/events/${withEmail.id}`);
    const finding = page.getByTestId('finding').first();
    await finding.waitFor();
    const title = (await finding.getAttribute('title')) ?? '';
    assert.match(title, /EMAIL_ADDRESS/);
    assert.match(title, /0\.9/);
    assert.match((await finding.getAttribute('class')) ?? '', /fam-pii/);
    await page.getByTestId('decision-trace').waitFor();
    await shot(page, 'interaction');
    assert.deepEqual(await axeViolations(page), [], 'interaction detail');
    await context.close();
  });

  test('script and onerror payloads sent through the gateway display as text and never run', async () => {
    const { context, page, dialogs } = await signedIn('admin');
    const listed = await s.api('GET', '/events?limit=50');
    const xss = (listed.json.events as { id: string; preview?: { input?: string } }[]).find((e) =>
      e.preview?.input?.includes('onerror'),
    );
    assert.ok(xss, 'the payload event is stored, its preview carrying the payload');
    await page.goto(`${s.gw.url}/#/activity`);
    await page.getByTestId('event-row').first().waitFor();
    await page.goto(`${s.gw.url}/#/events/${xss.id}`);
    const conversation = page.getByTestId('conversation');
    await conversation.waitFor();
    await page.waitForFunction(() =>
      (document.querySelector('[data-testid="conversation"]')?.textContent ?? '').includes('<script>'),
    );
    const text = await conversation.innerText();
    assert.ok(text.includes('<img src=x onerror="window.__xss=1">'), text);
    assert.ok(text.includes('<script>window.__xss=2</script>'), text);
    assert.equal(await page.locator('[data-testid="conversation"] img').count(), 0);
    assert.equal(await page.locator('[data-testid="conversation"] script').count(), 0);
    // Reveal (admin may): the decrypted content is still text.
    await page.getByTestId('reveal').click();
    const confirm = page.getByTestId('reveal-confirm');
    if ((await confirm.count()) > 0) {
      const reason = page.getByLabel('Reason');
      if ((await reason.count()) > 0) await reason.fill('browser test: checking inert rendering');
      await confirm.click();
    }
    const revealed = page.getByTestId('revealed');
    await revealed.waitFor();
    await page.waitForFunction(() =>
      (document.querySelector('[data-testid="revealed"]')?.textContent ?? '').includes('alice@example.com'),
    );
    assert.equal(await page.locator('[data-testid="revealed"] img').count(), 0);
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    assert.deepEqual(dialogs, []);
    await shot(page, 'xss-inert');
    const audit = await s.api('GET', '/audit?action=events.reveal');
    assert.ok(JSON.stringify(audit.json).includes(xss.id), 'the reveal is in the audit trail');
    await context.close();
  });

  test('an analyst cannot reveal content: no button in the page, 403 from the API', async () => {
    const { context, page } = await signedIn('analyst');
    const [event] = await s.gw.events();
    await page.goto(`${s.gw.url}/#/events/${event!.id}`);
    await page.getByTestId('conversation').waitFor();
    await page.getByTestId('reveal-unavailable').waitFor();
    assert.equal(await page.getByTestId('reveal').count(), 0);
    const status = await page.evaluate(async (id) => {
      const session = (await (await fetch('/admin/api/v1/session')).json()) as { csrfToken: string };
      const res = await fetch(`/admin/api/v1/events/${id}/reveal`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: JSON.stringify({ reason: 'curious' }),
      });
      return res.status;
    }, event!.id);
    assert.equal(status, 403);
    await shot(page, 'analyst-no-reveal');
    await context.close();
  });

  test('a reviewer approves a held request in the live queue while the SDK client waits', async () => {
    const { context, page } = await signedIn('reviewer');
    await page.goto(`${s.gw.url}/#/approvals`);
    await page.getByRole('heading', { name: 'Approvals', level: 1 }).waitFor();
    let settled = false;
    const waiting = ask(heldClient, 'Summarise our hiring plan').finally(() => {
      settled = true;
    });
    const row = page.getByTestId('approval-row').first();
    await row.waitFor({ timeout: 15_000 });
    assert.equal(settled, false, 'the client is still waiting');
    await shot(page, 'approvals-pending');
    assert.deepEqual(await axeViolations(page), [], 'approvals');
    await row.getByRole('button', { name: 'Approve' }).click();
    const reason = page.getByLabel(/Reason/);
    if ((await reason.count()) > 0) await reason.first().fill('looks fine');
    await page.getByTestId('approval-confirm').click();
    const answer = await waiting;
    assert.match(answer, /Mock reply to: Summarise our hiring plan/);
    await page.getByTestId('approval-row').waitFor({ state: 'detached', timeout: 15_000 });
    await context.close();
  });

  test('a policy author edits the policy and sees the validation error inline', async () => {
    const stored = await s.api('POST', '/policies', {
      document: POLICY_YAML,
      comment: 'from the browser test',
      activate: true,
    });
    assert.equal(stored.status, 201, JSON.stringify(stored.json));
    const { context, page } = await signedIn('policy_author');
    await page.goto(`${s.gw.url}/#/policies`);
    const editor = page.getByTestId('policy-editor');
    await editor.waitFor();
    await page.waitForFunction(() =>
      (
        (document.querySelector('[data-testid="policy-editor"]') as HTMLTextAreaElement | null)?.value ?? ''
      ).includes('block-secrets'),
    );
    const text = await editor.inputValue();
    await editor.fill(text.replace('action: block', 'action: blok'));
    const errors = page.getByTestId('policy-errors');
    await errors.waitFor();
    await page.waitForFunction(() =>
      /did you mean/.test(document.querySelector('[data-testid="policy-errors"]')?.textContent ?? ''),
    );
    const shown = await errors.innerText();
    assert.match(shown, /5:13/, 'the error names its line and column');
    assert.match(shown, /did you mean `?block/, 'with a did-you-mean');
    await shot(page, 'policy-error');
    assert.deepEqual(await axeViolations(page), [], 'policies');
    await editor.fill(text);
    await page.getByTestId('policy-valid').waitFor();
    await context.close();
  });
});

async function ask(client: OpenAI, content: string): Promise<string> {
  const r = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content }],
  });
  return r.choices[0]?.message.content ?? '';
}
