// Tenancy end to end, against the demo data `scripts/e2e.sh` loads into a fresh database:
// the city platform administrator opens a county, whose first administrator signs in with the
// one-time password, must change it, and lands on the dashboard; the city auditor reads the audit
// log and verifies its hash chains. Needs SUNSHINE_E2E_PASSWORD (the demo password).
import assert from 'node:assert/strict'
import { eventually, login, spec } from '../lib.mjs'

const password = process.env.SUNSHINE_E2E_PASSWORD
const city = process.env.SUNSHINE_E2E_CITY || '410500'
// Each run uses a fresh database; override to run again against the same server.
const newCode = process.env.SUNSHINE_E2E_NEW_TENANT || '410599'
const newName = '测试新区'
const newPassword = 'Xinqu@2026!'
const skip = () => (password ? false : 'set SUNSHINE_E2E_PASSWORD (the demo password) to run')

/** Asserts a response's status, quoting its body only when it is not the expected one. */
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

spec(
  'the city administrator opens a county whose administrator signs in with the one-time password',
  async ({ page }) => {
    assert.equal(await login(page, city, 'admin', password), '/')

    // 租户管理 from the menu: the city and its counties.
    await page.locator('[data-menu="tenants"]').click()
    await page.waitForURL((u) => u.pathname === '/tenants')
    const table = page.getByTestId('tenants-table')
    await eventually(async () => {
      const text = await table.innerText()
      assert.match(text, /安阳市/)
      assert.match(text, /林州市/)
    })

    // 开通区县.
    await page.getByTestId('provision-open').click()
    const dialog = page.getByTestId('provision-dialog')
    await dialog.waitFor()
    assert.equal((await page.getByTestId('provision-parent').innerText()).trim(), `安阳市 (${city})`)
    assert.equal(await page.locator('#provision-username').inputValue(), 'admin')
    await page.locator('#provision-code').fill(newCode)
    await page.locator('#provision-name').fill(newName)
    const created = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/tenants' && r.request().method() === 'POST')
    await page.getByTestId('provision-submit').click()
    await expectStatus(await created, 201)

    // The one-time password, shown once with a warning.
    const otpDialog = page.getByTestId('one-time-dialog')
    await otpDialog.waitFor()
    assert.match(await page.getByTestId('one-time-warning').innerText(), /只显示这一次/)
    assert.equal((await page.getByTestId('one-time-username').innerText()).trim(), 'admin')
    const oneTime = (await page.getByTestId('one-time-password').innerText()).trim()
    assert.ok(oneTime.length >= 8, `one-time password "${oneTime}" looks too short`)
    await page.getByTestId('one-time-done').click()
    await otpDialog.waitFor({ state: 'hidden' })
    await eventually(async () => assert.match(await table.innerText(), new RegExp(`${newCode}[\\s\\S]*${newName}`)))

    // The new county's administrator: one-time password, then a forced change.
    await signOut(page)
    assert.equal(await login(page, newCode, 'admin', oneTime), '/profile/password')
    await page.getByTestId('must-change').waitFor()
    await page.locator('#pw-old').fill(oneTime)
    await page.locator('#pw-new').fill(newPassword)
    await page.locator('#pw-confirm').fill(newPassword)
    const changed = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/me/password')
    await page.getByRole('button', { name: '提交' }).click()
    await expectStatus(await changed, 204)

    // Home, in the new county.
    await page.waitForURL((u) => u.pathname === '/')
    await page.getByTestId('welcome-card').waitFor()
    await eventually(async () => assert.match(await page.getByTestId('header-tenant').innerText(), new RegExp(newName)))
    assert.match(await page.getByTestId('welcome-card').innerText(), new RegExp(newName))

    // The new password works; the one-time one no longer does.
    await signOut(page)
    assert.equal(await login(page, newCode, 'admin', newPassword), '/')
    await page.getByTestId('welcome-card').waitFor()
  },
  { skip },
)

spec(
  'the city auditor reads the audit log and verifies its integrity',
  async ({ page }) => {
    assert.equal(await login(page, city, 'auditor', password), '/')
    await page.locator('[data-menu="audit"]').click()
    await page.waitForURL((u) => u.pathname === '/audit')

    const table = page.getByTestId('audit-table')
    const rows = table.locator('.el-table__body-wrapper tr.el-table__row')
    await eventually(async () => assert.ok((await rows.count()) > 0, 'the audit log should list events'))

    // Filter by the "auth" group: only sign-in events remain, the auditor's own among them.
    await page.getByTestId('audit-action').click()
    await page.locator('.el-select-dropdown__item:visible', { hasText: '（auth）' }).first().click()
    const filtered = page.waitForResponse((r) => {
      const u = new URL(r.url())
      return u.pathname === '/api/v1/audit/events' && u.searchParams.get('action') === 'auth'
    })
    await page.getByTestId('audit-search').click()
    await expectStatus(await filtered, 200)
    await eventually(async () => {
      const codes = (await table.locator('.el-table__body-wrapper td .code').allInnerTexts()).map((c) => c.trim())
      const actions = codes.filter((c) => /^[a-z_]+\.[a-z_]+$/.test(c))
      assert.ok(actions.length > 0 && actions.every((c) => c.startsWith('auth.')), `actions ${JSON.stringify(actions)}`)
    })
    // Labelled in Chinese, with the actor.
    const text = await table.innerText()
    assert.match(text, /登录/)
    assert.match(text, /市审计员 \(auditor\)/)

    // One event's summary opens in place.
    await rows.first().locator('.el-table__expand-icon').click()
    await page.getByTestId('audit-summary').first().waitFor()

    // 校验完整性: green, with the number of events.
    await page.getByTestId('audit-verify').click()
    const ok = page.getByTestId('audit-verify-ok')
    await ok.waitFor()
    assert.match(await ok.innerText(), /完整性校验通过：共 \d+ 条事件/)
  },
  { skip },
)
