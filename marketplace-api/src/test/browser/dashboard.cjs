// Opens the dashboard in headless Chromium (Debian's, driven by playwright-core from tools/) and
// prints what it sees as JSON: chart points, table rows, the audit verdict, page errors, and any
// request to another origin. Usage: node dashboard.cjs <base url> <project id> <screenshot.png>
'use strict';
const { chromium } = require('playwright-core');

(async () => {
  const [base, project, shot] = process.argv.slice(2);
  const origin = new URL(base).origin;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
  const out = { errors: [], external: [] };
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('pageerror', e => out.errors.push(e.message));
    page.on('console', m => { if (m.type() === 'error') out.errors.push(m.text()); });
    page.on('request', r => { if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) out.external.push(r.url()); });
    page.on('response', r => { if (r.status() >= 400) out.errors.push(r.status() + ' ' + r.url()); });
    const ready = () => page.waitForFunction(() => window.cohortCharts && window.cohortCharts.ready === true, null, { timeout: 30000 });

    await page.goto(`${base}/#/`);
    await ready();
    out.projectRows = await page.locator('#projects tbody tr').count();
    out.pager = await page.locator('#pager').innerText();

    // one project a page: the second page holds the older one, and links back to the newer
    await page.goto(`${base}/#/?page=2&size=1`);
    await ready();
    out.secondPageIds = await page.locator('#projects tbody tr td:first-child').allInnerTexts();
    out.secondPager = await page.locator('#pager').innerText();
    await page.locator('#pager a', { hasText: 'newer' }).click();
    await ready();
    out.firstPageIds = await page.locator('#projects tbody tr td:first-child').allInnerTexts();

    await page.goto(`${base}/#/projects/${project}`);
    await ready();
    out.accuracyPoints = await page.evaluate(() => window.cohortCharts.accuracy.data.datasets[0].data.length);
    out.accuracy = await page.evaluate(() => window.cohortCharts.accuracy.data.datasets[0].data);
    out.rewardBars = await page.evaluate(() => window.cohortCharts.rewards.data.datasets[0].data.length);
    out.flagRows = await page.locator('#flags tbody tr').count();
    out.flagText = await page.locator('#flags tbody').innerText();
    out.chartsDrawn = await page.evaluate(() => ['accuracy', 'rewards'].every(id => {
      const c = document.getElementById(id);
      return c && c.width > 0 && c.height > 0;
    }));
    await page.screenshot({ path: shot, fullPage: true });

    await page.goto(`${base}/#/projects/${project}/audit`);
    await ready();
    out.verdict = await page.locator('#verdict').innerText();
    out.auditRows = await page.locator('#audit tbody tr').count();
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(out));
})().catch(e => { console.error(e.stack || String(e)); process.exit(1); });
