// Casework end to end, against the demo `scripts/e2e.sh` loads (林州市 410581): the window clerk
// takes in an application for 企业投资项目核准 (XK-FGW-001, whose flowchart runs 发改 ‖ 自然资源 ‖
// 生态环境 in parallel) with one required material missing, requests the correction, records the
// supplement and accepts; the clerk completes the window step; each department's handler (as the
// demo names them in pkg/demo/cases.go: fgw.handler, zrzy.handler, sthj.handler) completes its
// parallel step; the 发改委 head (fgw.head) completes the decision step and approves with a
// certificate number; the clerk delivers; and the portal's lookup by tracking number and the query
// code printed on the receipt (with the last four characters of the credit code as a check) shows
// the timeline without personal data.
// Needs SUNSHINE_E2E_PASSWORD (the demo password).
import assert from 'node:assert/strict'
import { eventually, login, spec } from '../lib.mjs'

const password = process.env.SUNSHINE_E2E_PASSWORD
const county = '410581'
const ITEM = '企业投资项目核准'
const MATERIALS = ['项目申请报告', '用地预审与选址意见书', '企业营业执照']
const MISSING = '企业营业执照'
const APPLICANT = '林州市E2E新材料有限公司'
// A valid unified social credit code (domain facts §8), and the same with a wrong check character.
const CREDIT_CODE = '91310110666007217T'
const BAD_CREDIT_CODE = '91310110666007217A'
const CERTIFICATE = `FGW-E2E-${Date.now().toString(36).toUpperCase()}`
const skip = () => (password ? false : 'set SUNSHINE_E2E_PASSWORD (the demo password) to run')

async function expectStatus(res, status) {
  if (res.status() === status) return
  const body = await res.text().catch(() => '')
  assert.fail(`${res.request().method()} ${new URL(res.url()).pathname} answered ${res.status()}, expected ${status}: ${body}`)
}

/** Waits for the response to a POST whose path ends with `suffix`. */
function posted(page, suffix) {
  return page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname.endsWith(suffix))
}

async function signOut(page) {
  await page.getByTestId('user-menu').click()
  await page.getByTestId('logout').click()
  await page.waitForURL((u) => u.pathname === '/login')
}

async function confirmBox(page) {
  await page.locator('.el-message-box__btns .el-button--primary').click()
}

async function caseStatus(page) {
  return (await page.getByTestId('case-status').innerText()).trim()
}

/** Opens the case page and waits for it to show the case. */
async function openCase(page, url, casePath) {
  await page.goto(url(casePath))
  await page.getByTestId('case-tracking-no').waitFor()
}

/** Completes an active step from the case page's step table with an opinion. */
async function completeStep(page, node, opinion) {
  await page.getByTestId(`step-complete-${node}`).click()
  const dialog = page.getByTestId('case-action-dialog')
  await dialog.waitFor()
  await page.locator('#action-opinion').fill(opinion)
  const done = posted(page, '/complete')
  await page.getByTestId('action-submit').click()
  await expectStatus(await done, 200)
  await eventually(async () => assert.equal((await page.getByTestId(`step-status-${node}`).innerText()).trim(), '已办结'))
}

spec(
  'casework: intake, correction, acceptance, parallel steps, decision, delivery and the portal timeline',
  async ({ page, url }) => {
    // 1. The window clerk takes in the application with one required material missing.
    assert.equal(await login(page, county, 'clerk', password), '/')
    await page.locator('[data-menu="intake"]').click()
    await page.waitForURL((u) => u.pathname === '/cases/new')
    const form = page.getByTestId('intake-form')
    await form.waitFor()
    // The clerk's window is preselected once the windows load.
    await eventually(async () => assert.match(await page.getByTestId('intake-window').innerText(), /A01/))
    await page.getByTestId('intake-power').click()
    await page.keyboard.type('项目核准')
    await page.locator('.el-select-dropdown__item:visible', { hasText: ITEM }).first().click()
    const materials = page.getByTestId('intake-materials')
    await eventually(async () => {
      const text = await materials.innerText()
      for (const m of MATERIALS) assert.match(text, new RegExp(m))
    })
    for (const [i, m] of MATERIALS.entries()) if (m !== MISSING) await page.getByTestId(`intake-material-${i}`).click()
    await eventually(async () => assert.match(await page.getByTestId('intake-missing').innerText(), new RegExp(MISSING)))

    await page.getByTestId('intake-type-org').click()
    await page.locator('#intake-name').fill(APPLICANT)
    // A wrong check character is caught before anything is sent.
    await page.locator('#intake-credit-code').fill(BAD_CREDIT_CODE)
    await page.locator('#intake-phone').click()
    const codeItem = page.locator('.el-form-item', { has: page.locator('#intake-credit-code') })
    await eventually(async () => assert.match(await codeItem.locator('.el-form-item__error').innerText(), /校验位不正确/))
    await page.locator('#intake-credit-code').fill(CREDIT_CODE)
    await page.locator('#intake-phone').fill('13937200001')
    await eventually(async () => assert.equal(await codeItem.locator('.el-form-item__error').count(), 0))

    const created = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/cases' && r.request().method() === 'POST')
    await page.getByTestId('intake-submit').click()
    await expectStatus(await created, 201)
    const trackingNo = (await page.getByTestId('intake-tracking-no').innerText()).trim()
    assert.match(trackingNo, /^410581\d{12}$/)
    assert.match(await page.getByTestId('intake-success-missing').innerText(), new RegExp(MISSING))

    // The printable receipt: tenant, tracking number, item, applicant, materials, the acceptance deadline.
    await page.getByTestId('intake-receipt').click()
    await page.waitForURL((u) => /^\/cases\/[0-9a-f-]{36}\/receipt$/.test(u.pathname))
    const receipt = page.getByTestId('receipt')
    await receipt.waitFor()
    assert.equal((await page.getByTestId('receipt-tracking-no').innerText()).trim(), trackingNo)
    // The query code the applicant needs for the public lookup is on the receipt.
    const queryCode = (await page.getByTestId('receipt-query-code').innerText()).trim()
    assert.match(queryCode, /^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/)
    assert.match(await page.getByTestId('receipt-tenant').innerText(), /林州市/)
    const receiptText = await receipt.innerText()
    assert.match(receiptText, new RegExp(ITEM))
    assert.match(receiptText, new RegExp(APPLICANT))
    assert.match(await page.getByTestId('receipt-materials').innerText(), /项目申请报告/)
    assert.doesNotMatch(await page.getByTestId('receipt-materials').innerText(), new RegExp(MISSING))
    assert.match(await page.getByTestId('receipt-deadline').innerText(), /\d{4}-\d{2}-\d{2} 前作出是否受理的决定/)
    const casePath = new URL(page.url()).pathname.replace(/\/receipt$/, '')

    // 2. Correction (补正): one notice listing the missing material; the clock does not run.
    await openCase(page, url, casePath)
    assert.equal(await caseStatus(page), '待受理')
    await page.getByTestId('case-action-correction').click()
    await page.getByTestId('case-action-dialog').waitFor()
    assert.equal(await page.locator('#action-items').inputValue(), MISSING)
    const corrected = posted(page, '/request-correction')
    await page.getByTestId('action-submit').click()
    await expectStatus(await corrected, 200)
    await eventually(async () => assert.equal(await caseStatus(page), '待补正'))

    // The applicant brings it; the clerk records the supplement and the case returns to acceptance.
    await page.getByTestId('case-action-resubmit').click()
    await page.getByTestId('resubmit-materials').waitFor()
    await page.getByTestId(`resubmit-material-${MATERIALS.indexOf(MISSING)}`).click()
    const resubmitted = posted(page, '/resubmit')
    await page.getByTestId('action-submit').click()
    await expectStatus(await resubmitted, 200)
    await eventually(async () => assert.equal(await caseStatus(page), '待受理'))

    // 3. Acceptance: the clock starts and says how its due date was computed.
    await page.getByTestId('case-action-accept').click()
    const accepted = posted(page, '/accept')
    await confirmBox(page)
    await expectStatus(await accepted, 200)
    await eventually(async () => assert.equal(await caseStatus(page), '办理中'))
    assert.match(await page.getByTestId('case-due-date').innerText(), /^\d{4}-\d{2}-\d{2}$/)
    assert.match(await page.getByTestId('deadline-explanation').innerText(), /时限 15 个工作日.*截止/s)
    assert.match(await page.getByTestId('case-clock-block').getByTestId('case-clock').getAttribute('data-tone'), /^(green|amber|red|grey)$/)

    // The window step (窗口受理) is the clerk's; completing it starts the three parallel steps.
    await completeStep(page, 'accept', '材料齐全，分送发改、自然资源、生态环境并联审查')
    for (const node of ['fgw', 'zrzy', 'sthj']) {
      await eventually(async () => assert.equal((await page.getByTestId(`step-status-${node}`).innerText()).trim(), '办理中'))
    }
    const flow = page.getByTestId('case-flow')
    assert.equal(await flow.getAttribute('data-structured'), 'true')
    assert.equal(await flow.locator('[data-status="active"][data-node]').count(), 3)
    // Drawn from the case's flow edges: the window step done, the parallel three active, the rest to come.
    assert.equal(await flow.locator('[data-node="accept"]').getAttribute('data-state'), 'done')
    assert.equal(await flow.locator('[data-state="active"][data-node]').count(), 3)
    assert.equal(await flow.locator('[data-node="decide"]').getAttribute('data-state'), 'pending')

    // The case list shows the legal due date with the server's count of working days left.
    await page.goto(url('/cases'))
    await page.locator('#cases-q').fill(trackingNo)
    await page.getByTestId('cases-search').click()
    const due = page.getByTestId(`case-due-${trackingNo}`)
    await eventually(async () => assert.match(await due.innerText(), /\d{4}-\d{2}-\d{2}[\s\S]*剩余 \d+ 个工作日/))
    assert.equal(await due.getByTestId('case-clock').getAttribute('data-tone'), 'green')
    await signOut(page)

    // 4. Each department's handler completes its parallel step; the first finds it in 我的待办.
    await login(page, county, 'fgw.handler', password)
    await page.locator('[data-menu="tasks"]').click()
    await page.waitForURL((u) => u.pathname === '/tasks')
    const task = page.getByTestId(`task-${trackingNo}-fgw`)
    await task.waitFor()
    await task.click()
    await page.waitForURL((u) => u.pathname === casePath)
    await page.getByTestId('case-tracking-no').waitFor()
    await completeStep(page, 'fgw', '符合产业政策，同意核准')
    await signOut(page)

    for (const [user, node, opinion] of [
      ['zrzy.handler', 'zrzy', '选址符合国土空间规划，用地预审通过'],
      ['sthj.handler', 'sthj', '环境影响可控，同意'],
    ]) {
      await login(page, county, user, password)
      await openCase(page, url, casePath)
      await completeStep(page, node, opinion)
      await signOut(page)
    }

    // 5. The head of 发改委 completes the decision step, then approves with a certificate number.
    await login(page, county, 'fgw.head', password)
    await openCase(page, url, casePath)
    await eventually(async () => assert.equal((await page.getByTestId('step-status-decide').innerText()).trim(), '办理中'))
    await completeStep(page, 'decide', '经主任办公会研究，同意核准')
    await eventually(async () => assert.equal(await caseStatus(page), '待决定'))
    await page.getByTestId('case-action-decide').click()
    await page.getByTestId('case-action-dialog').waitFor()
    await page.locator('#action-certificate').fill(CERTIFICATE)
    const decided = posted(page, '/decide')
    await page.getByTestId('action-submit').click()
    await expectStatus(await decided, 200)
    await eventually(async () => assert.equal(await caseStatus(page), '准予许可'))
    assert.match(await page.getByTestId('case-application').innerText(), new RegExp(CERTIFICATE))
    await signOut(page)

    // 6. The clerk delivers the decision.
    await login(page, county, 'clerk', password)
    await openCase(page, url, casePath)
    await page.getByTestId('case-action-deliver').click()
    const delivered = posted(page, '/deliver')
    await confirmBox(page)
    await expectStatus(await delivered, 200)
    await eventually(async () => assert.equal(await caseStatus(page), '已送达'))
    const timeline = await page.getByTestId('case-timeline').innerText()
    for (const step of ['一次性告知补正', '补正材料', '受理', '环节办结', '准予许可', '送达']) assert.match(timeline, new RegExp(step))
    await signOut(page)

    // 7. The portal: tracking number and the query code from the receipt, with the last four
    // characters of the credit code as the optional check.
    await page.goto(url(`/portal/${county}/status`))
    await page.locator('#status-no').fill(trackingNo)
    await page.locator('#status-code').fill(queryCode.toLowerCase())
    await page.locator('#status-last4').fill(CREDIT_CODE.slice(-4))
    const looked = page.waitForResponse((r) => new URL(r.url()).pathname === `/api/v1/public/${county}/cases/${trackingNo}`)
    await page.getByTestId('status-search').click()
    await expectStatus(await looked, 200)
    const result = page.getByTestId('status-result')
    await result.waitFor()
    assert.equal((await page.getByTestId('status-state').innerText()).trim(), '已送达')
    const publicTimeline = await page.getByTestId('status-timeline').innerText()
    for (const step of ['提交申请', '一次性告知补正', '受理', '环节办结', '准予许可', '送达']) assert.match(publicTimeline, new RegExp(step))
    // No personal data: neither the applicant, nor the credit code, nor staff names.
    const shown = await result.innerText()
    assert.doesNotMatch(shown, new RegExp(APPLICANT))
    assert.doesNotMatch(shown, new RegExp(CREDIT_CODE))
    assert.doesNotMatch(shown, /受理员|承办人|负责人/)
  },
  { skip, timeout: 90000 },
)
