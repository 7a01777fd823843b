// The power catalogue end to end, against the demo `scripts/e2e.sh` loads: a county's department
// head (林州市 住建局) drafts an item whose flowchart has parallel department steps and submits it;
// the county's legal reviewer approves and publishes it; it appears on the portal, with its
// diagram, marked as not yet exercisable; the city's legal reviewer files it from the filing
// queue, and the portal then shows it in force. Needs SUNSHINE_E2E_PASSWORD (the demo password).
import assert from 'node:assert/strict'
import { eventually, login, spec } from '../lib.mjs'

const password = process.env.SUNSHINE_E2E_PASSWORD
const county = '410581'
const city = process.env.SUNSHINE_E2E_CITY || '410500'
const skip = () => (password ? false : 'set SUNSHINE_E2E_PASSWORD (the demo password) to run')

async function expectStatus(res, status) {
  if (res.status() === status) return
  const body = await res.text().catch(() => '')
  assert.fail(`${res.request().method()} ${new URL(res.url()).pathname} answered ${res.status()}, expected ${status}: ${body}`)
}

async function signOut(page) {
  await page.getByTestId('user-menu').click()
  await page.getByTestId('logout').click()
  await page.waitForURL((u) => u.pathname === '/login')
}

/**
 * Picks an option of an Element Plus select by its visible text, in the listbox that select
 * controls (its combobox's aria-controls): the dropdown of a select picked just before may still
 * be closing, its items briefly visible, and an option there would be the wrong one.
 */
async function choose(page, select, text) {
  await select.click()
  const listbox = await select.locator('input[role="combobox"]').first().getAttribute('aria-controls')
  const options = listbox ? page.locator(`[id="${listbox}"] .el-select-dropdown__item`) : page.locator('.el-select-dropdown__item:visible')
  await options.filter({ hasText: text }).first().click()
}

/** The text box of an Element Plus input, whether the test id landed on the wrapper or the input. */
function box(page, testId) {
  const q = `[data-testid="${testId}"]`
  return page.locator(`input${q}, ${q} input, textarea${q}, ${q} textarea`).first()
}

async function confirmBox(page) {
  await page.locator('.el-message-box__btns .el-button--primary').click()
}

spec(
  'a department head drafts an item with a parallel flowchart; it is reviewed, published and filed',
  async ({ page, url }) => {
    const code = `E2E-${Date.now().toString(36).toUpperCase()}`
    const name = `建筑工程施工许可证核发（联审测试${code.slice(-4)}）`

    // 1. The department head drafts the item.
    assert.equal(await login(page, county, 'deptadmin', password), '/')
    await page.locator('[data-menu="catalogue"]').click()
    await page.waitForURL((u) => u.pathname === '/catalogue')
    await eventually(async () => assert.match(await page.getByTestId('catalogue-table').innerText(), /建筑工程施工许可证核发/))
    await page.getByTestId('catalogue-create').click()
    await page.waitForURL((u) => u.pathname === '/catalogue/new')
    await page.getByTestId('power-editor').waitFor()
    await page.locator('#pe-code').fill(code)
    await page.locator('#pe-name').fill(name)
    await choose(page, page.getByTestId('pe-category'), '行政许可')
    await page.locator('#pe-leader').fill('分管副局长')
    await page.locator('#pe-unit').fill('建筑业管理股')
    await page.locator('#pe-duties').fill('承办人审查材料，股长复核，分管领导审批。')
    await box(page, 'basis-law-0').fill('《中华人民共和国建筑法》第七条')

    // The flowchart: 受理 after the start, then a parallel approval by 住建 and 自然资源.
    const steps = page.getByTestId('flow-steps')
    await steps.locator('.el-table__body tr').first().click()
    await page.getByTestId('flow-add-task').click()
    await box(page, 'step-name-1').fill('窗口受理')
    await box(page, 'step-days-1').fill('1')
    await page.getByTestId('flow-add-parallel').click() // after the selected 窗口受理
    await box(page, 'step-name-3').fill('住建审查')
    await choose(page, page.getByTestId('step-dept-3'), '(ZJJ)')
    await box(page, 'step-days-3').fill('3')
    await box(page, 'step-name-4').fill('规划核验')
    await choose(page, page.getByTestId('step-dept-4'), '(ZRZY)')
    await box(page, 'step-days-4').fill('2')
    await page.getByTestId('flow-longest').click() // blur the last input
    const diagram = page.getByTestId('flowchart-editor').getByTestId('flowchart-diagram')
    await eventually(async () => {
      assert.equal(await diagram.locator('[data-step-id]').count(), 7)
      assert.equal(await diagram.getAttribute('data-structured'), 'true')
    })
    await eventually(async () => assert.match(await page.getByTestId('flow-longest').innerText(), /最长办理路径 4 个工作日/))

    const created = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/powers' && r.request().method() === 'POST')
    const submitted = page.waitForResponse((r) => /\/api\/v1\/powers\/[^/]+\/submit$/.test(new URL(r.url()).pathname))
    await page.getByTestId('pe-save-submit').click()
    await expectStatus(await created, 201)
    await expectStatus(await submitted, 200)
    await page.waitForURL((u) => /^\/catalogue\/[0-9a-f-]{36}$/.test(u.pathname))
    const itemPath = new URL(page.url()).pathname
    const id = itemPath.split('/').pop()
    await eventually(async () => assert.equal((await page.getByTestId('power-status').innerText()).trim(), '待审核'))
    await signOut(page)

    // 2. The county's legal reviewer approves and publishes it.
    await login(page, county, 'legal', password)
    await page.goto(url(itemPath))
    await page.getByTestId('action-approve').click()
    await box(page, 'review-comment').fill('依据充分，流程合规。')
    const reviewed = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith('/review'))
    await page.getByTestId('review-submit').click()
    await expectStatus(await reviewed, 200)
    await eventually(async () => assert.equal((await page.getByTestId('power-status').innerText()).trim(), '审核通过'))
    await page.getByTestId('action-publish').click()
    const published = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith('/publish'))
    await confirmBox(page)
    await expectStatus(await published, 200)
    await eventually(async () => assert.equal((await page.getByTestId('power-status').innerText()).trim(), '已公布待备案'))
    assert.match(await page.getByTestId('power-filing').innerText(), /待市级备案/)
    await signOut(page)

    // 3. The portal: found by a Chinese search, with its diagram, not yet exercisable.
    await page.goto(url(`/portal/${county}`))
    await box(page, 'portal-search').fill('联审测试')
    await page.getByTestId('portal-search-go').click()
    const entry = page.getByTestId(`portal-item-${code}`)
    await eventually(async () => assert.match(await entry.innerText(), /已公布，待备案，暂不可办理/))
    await entry.click()
    await page.waitForURL((u) => u.pathname === `/portal/${county}/powers/${id}`)
    await eventually(async () => assert.equal((await page.getByTestId('portal-power-name').innerText()).trim(), name))
    assert.match(await page.getByTestId('portal-pending-notice').innerText(), /已公布，待备案，暂不可办理/)
    const portalDiagram = page.getByTestId('portal-power').getByTestId('flowchart-diagram')
    await eventually(async () => assert.equal(await portalDiagram.locator('[data-step-id]').count(), 7))
    // The two departments' steps stand side by side.
    const y = async (stepName) =>
      (await portalDiagram.locator('[data-kind="task"]', { hasText: stepName }).getAttribute('transform')).match(/translate\(([\d.]+), ([\d.]+)\)/).slice(1).map(Number)
    const [zjX, zjY] = await y('住建审查')
    const [zrX, zrY] = await y('规划核验')
    assert.equal(zjY, zrY, 'parallel steps share a row')
    assert.notEqual(zjX, zrX, 'parallel steps are side by side')
    assert.match(await page.getByTestId('content-steps').innerText(), /自然资源和规划局/)

    // 4. The city's legal reviewer files it from the queue.
    await login(page, city, 'legal', password)
    await page.locator('[data-menu="filings"]').click()
    await page.waitForURL((u) => u.pathname === '/filings')
    const table = page.getByTestId('filings-table')
    await eventually(async () => assert.match(await table.innerText(), new RegExp(code)))
    await page.getByTestId(`file-${code}`).click()
    const filed = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith('/file'))
    await confirmBox(page)
    await expectStatus(await filed, 200)
    await eventually(async () => assert.doesNotMatch(await table.innerText(), new RegExp(code)))
    await signOut(page)

    // The portal now shows it in force.
    await page.goto(url(`/portal/${county}/powers/${id}`))
    await eventually(async () => assert.match(await page.getByTestId('portal-in-force').innerText(), /现行第 1 版/))
  },
  { skip, timeout: 120000 },
)
