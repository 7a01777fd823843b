// 绩效考核 end to end, against the demo `scripts/e2e.sh` loads (pkg/demo/appraisal.go): the month
// before last is published; last month's final results are a draft, open for objections, and
// 林州市 has objected to its red cards. A second county (滑县 410526 by default) objects through
// its supervisor while the window is open; the city leader (410500 `leader`) opens last month's
// ranking from the runs page, drills into a county's red cards down to the card itself, adjusts one
// department's score with a reason and a PDF as evidence, answers both objections, approves
// (closing the window early with a note) and publishes; the city portal then shows the counties'
// ranking and the county portal its departments with the adjusted score; the printable report
// prints to PDF with Chromium and the PDF's text has the ranking table.
// Needs SUNSHINE_E2E_PASSWORD (the demo password).
import assert from 'node:assert/strict'
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs'
import { eventually, launch, login, saveFailureArtifacts, spec } from '../lib.mjs'

const password = process.env.SUNSHINE_E2E_PASSWORD
const city = process.env.SUNSHINE_E2E_CITY || '410500'
const objector = process.env.SUNSHINE_E2E_OBJECTOR || '410526'
const skip = () => (password ? false : 'set SUNSHINE_E2E_PASSWORD (the demo password) to run')

/** A one-page PDF (the file store checks evidence by its content: PDF, PNG or JPEG). */
const EVIDENCE_PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
    '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
)

/** One API call from inside a signed-in page (its cookies; the CSRF token echoed for writes). */
async function api(page, method, path, body) {
  const res = await page.evaluate(
    async ({ method, path, body }) => {
      const csrf = document.cookie
        .split(';')
        .map((s) => s.trim())
        .find((s) => s.startsWith('sunshine_csrf='))
      const headers = { Accept: 'application/json', 'Accept-Language': 'zh-CN' }
      if (method !== 'GET') headers['X-CSRF-Token'] = decodeURIComponent(csrf ? csrf.slice('sunshine_csrf='.length) : '')
      if (body !== undefined) headers['Content-Type'] = 'application/json'
      const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' })
      return { status: r.status, text: await r.text() }
    },
    { method, path, body },
  )
  if (res.status >= 300) assert.fail(`${method} ${path} answered ${res.status}: ${res.text.slice(0, 500)}`)
  return res.text ? JSON.parse(res.text) : null
}

async function expectOk(res) {
  if (res.status() < 300) return
  assert.fail(`${res.request().method()} ${new URL(res.url()).pathname} answered ${res.status()}: ${await res.text().catch(() => '')}`)
}

/** Waits for the response to a request whose path ends with `suffix`. */
function answered(page, method, suffix) {
  return page.waitForResponse((r) => r.request().method() === method && new URL(r.url()).pathname.endsWith(suffix))
}

/** "2026年11月", as the console writes a month. */
function monthLabel(period) {
  const [y, m] = period.split('-')
  return `${y}年${Number(m)}月`
}

/** The visible dialog with a test id (dialogs stay in the document once opened). */
const dialog = (page, id) => page.locator(`[data-testid="${id}"]:visible`)

/** The text of every page of a PDF, as pdf.js extracts it (whitespace removed: CJK runs are split). */
async function pdfText(buffer) {
  const doc = await getDocument({ data: new Uint8Array(buffer), isEvalSupported: false, useSystemFonts: false }).promise
  let text = ''
  for (let i = 1; i <= doc.numPages; i++) {
    const content = await (await doc.getPage(i)).getTextContent()
    text += content.items.map((it) => ('str' in it ? it.str : '')).join('')
  }
  await doc.destroy()
  return { pages: doc.numPages, text: text.replace(/\s+/g, '') }
}

/** Waits until a subject's page has loaded its result (the page shows before its data). */
async function subjectLoaded(page) {
  await page.getByTestId('subject-page').waitFor()
  await page.getByTestId('subject-score').waitFor()
  await page.locator('[data-testid="indicators-table"] [data-testid="indicator-figure"]').first().waitFor()
}

/** The ranking page's status tag. */
async function runStatus(page) {
  return (await page.getByTestId('run-status').innerText()).trim()
}

spec(
  'appraisal: a county objects; the city leader drills into red cards, adjusts a department, answers, approves and publishes; the portals show it; the report prints to PDF',
  async ({ page, url }) => {
    // 0. Last month's draft results, as the demo left them (the API names the run; the UI opens it).
    await login(page, city, 'leader', password)
    const runs = (await api(page, 'GET', '/api/v1/appraisal/runs?kind=final&status=objection')).items
    assert.equal(runs.length, 1, `one final run open for objections: ${JSON.stringify(runs.map((r) => [r.period, r.status]))}`)
    const run = runs[0]
    assert.equal(run.published_at, null)
    const published = (await api(page, 'GET', `/api/v1/appraisal/runs?scheme_id=${run.scheme_id}&status=published`)).items
    assert.ok(published.length >= 1, 'the month before last is published')
    const detail = await api(page, 'GET', `/api/v1/appraisal/runs/${run.id}?subject_kind=county`)
    const withRed = detail.results.filter((r) => (r.indicators.find((i) => i.code === 'red_cards')?.count ?? 0) > 0)
    assert.ok(withRed.length > 0, 'some county has red cards last month')
    const redCounty = withRed.find((r) => r.subject_key === '410581') ?? withRed[0]
    const redCount = redCounty.indicators.find((i) => i.code === 'red_cards').count
    const windowOpen = run.objection_deadline && Date.parse(run.objection_deadline) > Date.now()

    // 1. A county files an objection through its own console (its own results only, read-only otherwise).
    if (windowOpen) {
      const county = await launch()
      try {
        const p = county.page
        await login(p, objector, 'supervisor', password)
        await p.goto(url('/appraisal'))
        await p.getByTestId(`run-${run.period}-final-${run.revision}`).click()
        await p.getByTestId('ranking-page').waitFor()
        // No sign-off buttons for a county: only its objection.
        await eventually(async () => assert.deepEqual(await p.locator('[data-testid="run-actions"] button').evaluateAll((b) => b.map((x) => x.dataset.testid)), ['run-action-object']))
        await p.getByTestId(`group-county:${city}`).click()
        await p.getByTestId(`ranking-open-${objector}`).click()
        await subjectLoaded(p)
        assert.equal(await p.locator('[data-testid^="adjust-"]').count(), 0, 'a county cannot adjust')
        assert.ok((await p.locator('[data-testid^="drill-"]').count()) > 0, 'a county drills into its own figures')
        await p.getByTestId('subject-object').click()
        const d = dialog(p, 'objection-dialog')
        await d.locator('textarea[data-testid="objection-text"]').fill('本县11月实地检查时服务中心正在搬迁，已书面报备，请复核实地检查得分。')
        const filed = answered(p, 'POST', `/appraisal/runs/${run.id}/objections`)
        await d.getByTestId('objection-submit').click()
        await expectOk(await filed)
        await eventually(async () => assert.match(await p.getByTestId('objections-table').innerText(), /服务中心正在搬迁[\s\S]*待答复/))
      } finally {
        await county.close()
      }
    } else {
      console.log(`e2e: the objection window of ${run.period} has closed (${run.objection_deadline}); only the demo's objection is answered`)
    }

    // 2. The leader opens last month's ranking from the runs page: a draft, the counties first.
    await page.goto(url('/appraisal'))
    await page.getByTestId(`run-${run.period}-final-${run.revision}`).click()
    await page.waitForURL((u) => u.pathname === `/appraisal/runs/${run.id}`)
    await page.getByTestId('ranking-page').waitFor()
    assert.equal(await runStatus(page), '公示征求意见')
    assert.match(await page.getByTestId('group-title').innerText(), /各县（市、区）/)
    const table = page.getByTestId('ranking-table')
    await eventually(async () => assert.equal(await table.locator('[data-testid="ranking-rank"]').count(), detail.results.length))

    // 3. Drill into a county's red cards, down to a card.
    await page.getByTestId(`ranking-open-${redCounty.subject_key}`).click()
    await subjectLoaded(page)
    assert.equal((await page.getByTestId('subject-name').innerText()).trim(), redCounty.subject_name)
    await page.getByTestId('drill-red_cards').click()
    const drawer = dialog(page, 'items-drawer')
    await eventually(async () => assert.equal(await drawer.locator('[data-testid="item-role"]').count(), redCount))
    assert.match(await drawer.getByTestId('items-figures').innerText(), new RegExp(`计数 ${redCount}`))
    const link = drawer.getByTestId('item-link').first()
    const cardPath = await link.getAttribute('href')
    assert.match(cardPath, /^\/supervision\/cards\/[0-9a-f-]{36}$/)
    await link.click()
    await eventually(async () => assert.equal(new URL(page.url()).pathname, cardPath))
    await page.getByTestId('card-drawer').waitFor()
    await page.goBack()
    await subjectLoaded(page)

    // 4. Adjust one department's score, with a reason and a PDF as evidence.
    await page.getByTestId('subject-back').click()
    await page.getByTestId('ranking-page').waitFor()
    await page.getByTestId(`group-county_department:${redCounty.tenant_code}`).click()
    await eventually(async () => assert.match(await page.getByTestId('group-title').innerText(), /各部门/))
    const deptButton = table.locator('[data-testid^="ranking-open-"]').first()
    const deptName = (await deptButton.innerText()).trim()
    await deptButton.click()
    await subjectLoaded(page)
    const before = Number((await page.getByTestId('points-on_time').innerText()).trim())
    const scoreBefore = Number((await page.getByTestId('subject-score').innerText()).trim())
    const target = before === 5 ? 4 : 5
    await page.getByTestId('adjust-on_time').click()
    const adjust = dialog(page, 'adjust-dialog')
    const points = adjust.locator('[data-testid="adjust-points"] input')
    await points.fill(String(target))
    await points.press('Tab')
    const reason = `E2E 核查：该部门按时办结率计分有误，按复核结果调整为 ${target} 分`
    await adjust.locator('textarea[data-testid="adjust-reason"]').fill(reason)
    const uploaded = answered(page, 'POST', '/api/v1/files')
    await adjust.getByTestId('evidence-input').setInputFiles({ name: '复核说明.pdf', mimeType: 'application/pdf', buffer: EVIDENCE_PDF })
    await expectOk(await uploaded)
    await adjust.getByTestId('evidence-file').waitFor()
    const adjusted = answered(page, 'POST', `/appraisal/runs/${run.id}/adjustments`)
    await adjust.getByTestId('adjust-submit').click()
    await expectOk(await adjusted)
    await eventually(async () => assert.equal((await page.getByTestId('points-on_time').innerText()).trim(), target.toFixed(2)))
    const adjustments = await page.getByTestId('adjustments-table').innerText()
    assert.ok(adjustments.includes(reason), adjustments)
    assert.ok(adjustments.includes(`${before.toFixed(2)} → ${target.toFixed(2)}`), adjustments)
    assert.ok(adjustments.includes('复核说明.pdf'), 'the evidence is listed')
    const scoreAfter = (await page.getByTestId('subject-score').innerText()).trim()
    assert.equal(Number(scoreAfter).toFixed(2), (scoreBefore + target - before).toFixed(2))
    assert.match(await page.getByTestId('subject-computed').innerText(), new RegExp(scoreBefore.toFixed(2).replace('.', '\\.')))

    // 5. Answer every open objection (the demo's from 林州市, and the one filed above).
    await page.getByTestId('subject-back').click()
    await page.getByTestId('ranking-page').waitFor()
    const objections = page.getByTestId('objections-table')
    await eventually(async () => assert.ok((await objections.getByTestId('objection-answer').count()) >= (windowOpen ? 2 : 1)))
    for (let n = await objections.getByTestId('objection-answer').count(); n > 0; n--) {
      await objections.getByTestId('objection-answer').first().click()
      const d = dialog(page, 'answer-dialog')
      await d.getByTestId('answer-rejected').click()
      await d.locator('textarea[data-testid="answer-text"]').fill('经核实，相关办件未依法办理暂停计时手续，原计分正确，异议不成立。')
      const done = answered(page, 'POST', '/answer')
      await d.getByTestId('answer-submit').click()
      await expectOk(await done)
      await eventually(async () => assert.equal(await objections.getByTestId('objection-answer').count(), n - 1))
    }
    assert.match(await objections.innerText(), /异议不成立/)
    assert.equal((await page.getByTestId('run-objections-open').innerText()).trim(), '0')

    // 6. Approve (the window, when still open, is closed early with a note), then publish.
    await page.getByTestId('run-action-approve').click()
    const approveDialog = dialog(page, 'text-dialog')
    assert.equal(await approveDialog.getByTestId('close-window').count(), windowOpen ? 1 : 0)
    await approveDialog.locator('textarea[data-testid="text-dialog-input"]').fill('领导小组会议审定，异议均已答复，提前结束异议期')
    const approved = answered(page, 'POST', `/appraisal/runs/${run.id}/approve`)
    await approveDialog.getByTestId('text-dialog-submit').click()
    await expectOk(await approved)
    await eventually(async () => assert.equal(await runStatus(page), '已审定'))
    await page.getByTestId('run-action-publish').click()
    const publishedRes = answered(page, 'POST', `/appraisal/runs/${run.id}/publish`)
    await page.locator('.el-message-box__btns .el-button--primary').click()
    await expectOk(await publishedRes)
    await eventually(async () => assert.equal(await runStatus(page), '已公布'))
    assert.deepEqual(await page.locator('[data-testid="run-actions"] button').evaluateAll((b) => b.map((x) => x.dataset.testid)), ['run-action-revise'])

    // 7. The portals show the published results: the counties on the city's, its departments on the county's.
    const visitor = await launch()
    try {
      const p = visitor.page
      await p.goto(url(`/portal/${city}/appraisal`))
      const counties = p.getByTestId(`portal-group-county:${city}`)
      try {
        // The first portal page of a fresh browser loads the tenant list, then the ranking (and the chart code).
        await counties.waitFor({ timeout: 60_000 })
      } catch (e) {
        const png = await saveFailureArtifacts(p, 'appraisal-portal')
        throw new Error(`${e.message}\nportal page (${png}):\n${(await p.locator('body').innerText().catch(() => '')).slice(0, 800)}\n${p.logs.join('\n')}`)
      }
      assert.match(await p.getByTestId('portal-appraisal-meta').innerText(), new RegExp(monthLabel(run.period)))
      const cityText = await counties.innerText()
      for (const r of detail.results) assert.ok(cityText.includes(r.subject_name), `the city portal lists ${r.subject_name}`)
      await p.goto(url(`/portal/${redCounty.tenant_code}/appraisal`))
      const depts = p.getByTestId(`portal-group-county_department:${redCounty.tenant_code}`)
      await depts.waitFor()
      const row = depts.locator('.el-table__body tr', { hasText: deptName })
      assert.match(await row.innerText(), new RegExp(scoreAfter.replace('.', '\\.')))
    } finally {
      await visitor.close()
    }

    // 8. The report prints to PDF: the ranking table with its header, no console around it.
    await page.getByTestId('open-report').click()
    await page.waitForURL((u) => u.pathname === `/appraisal/runs/${run.id}/report`)
    const report = page.getByTestId(`report-table-county:${city}`)
    await report.waitFor()
    assert.equal(await report.locator('tbody tr').count(), detail.results.length)
    await page.emulateMedia({ media: 'print' })
    assert.equal(await page.getByTestId('report-print').isVisible(), false, 'the print button is not on paper')
    const pdf = await page.pdf({ format: 'A4', landscape: true, printBackground: true })
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-')
    const { pages, text } = await pdfText(pdf)
    assert.ok(pages >= 1)
    assert.ok(text.includes(`${monthLabel(run.period)}考核结果`), `the title is printed: ${text.slice(0, 200)}`)
    for (const header of ['名次', '考核对象', '得分', '较上期']) assert.ok(text.includes(header), `the table header ${header} is printed`)
    const top = detail.results.find((r) => r.rank === 1)
    assert.ok(text.includes(top.subject_name), 'the first county is printed')
    for (const r of detail.results) assert.ok(text.includes(r.subject_name), `${r.subject_name} is printed`)
    assert.ok(text.includes(deptName), 'the departments’ ranking is printed too')
    assert.ok(!text.includes('返回'), 'no console buttons on paper')
    await page.emulateMedia({ media: 'screen' })
  },
  { skip, timeout: 420_000 },
)
