// 电子监察 end to end, against the demo data of a dev-mode server (`scripts/e2e.sh`): the 410581
// window clerk takes in and accepts a fresh application, so its due instant is known; the county
// supervisor watches the dashboard while the platform admin moves the platform clock (dev mode's
// POST /api/v1/dev/time-travel, the platform admin's only: the clock is every tenant's) past that
// instant, and the yellow card appears live, without a reload; the city supervisor finds it in the city view under 林州市 → 住建局 and sends a notice
// about it to 住建局; the bureau's head sees the notice in the inbox and replies; the city supervisor
// sees the reply.
//
// Time travel moves the shared server clock for good, so the spec runs after every other (`last`).
// Sessions run on the wall clock: the clock moves in single jumps of any size, and the page that
// made them is still signed in afterwards.
import assert from 'node:assert/strict'
import { eventually, launch, login, spec } from '../lib.mjs'

const password = process.env.SUNSHINE_E2E_PASSWORD
const city = process.env.SUNSHINE_E2E_CITY || '410500'
const county = process.env.SUNSHINE_E2E_COUNTY || '410581'
const skip = () => (password ? false : 'set SUNSHINE_E2E_PASSWORD (the demo password) to run')

/** A valid resident ID (GB 11643 check digit) for the test applicant. */
const APPLICANT_ID = '11010519491231002X'
/** The server's largest jump (90 days). */
const MAX_HOURS = 24 * 90
const LIVE_MS = 5000

/** One API call from inside a signed-in page: its cookies, and the CSRF token echoed for writes. */
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
      const text = await r.text()
      return { status: r.status, text }
    },
    { method, path, body },
  )
  let json = null
  try {
    json = res.text ? JSON.parse(res.text) : null
  } catch {
    // not JSON
  }
  return { status: res.status, json, text: res.text }
}

async function apiOk(page, method, path, body, expected = [200, 201, 204]) {
  const r = await api(page, method, path, body)
  if (!expected.includes(r.status)) assert.fail(`${method} ${path} answered ${r.status}: ${r.text.slice(0, 500)}`)
  return r.json
}

/** The clerk takes in an application of a filed item with a time limit and accepts it. */
async function openFreshCase(page) {
  const me = await apiOk(page, 'GET', '/api/v1/me')
  const powers = (await apiOk(page, 'GET', '/api/v1/powers?page_size=200')).items
  const usable = powers
    .filter((p) => p.status === 'filed' && p.exercisable && p.handling_type === 'promise' && p.promised_limit > 0)
    .sort((a, b) => (a.department?.code === 'ZJJ' ? 0 : 1) - (b.department?.code === 'ZJJ' ? 0 : 1) || a.promised_limit - b.promised_limit)
  assert.ok(usable.length > 0, 'the county needs a filed item with a promised time limit')
  const power = usable[0]
  const detail = await apiOk(page, 'GET', `/api/v1/powers/${power.id}`)
  const version = detail.in_force ?? detail.current
  const materials = (version?.materials ?? []).map((m) => ({ name: m.name, provided: true, copies: m.copies || 1 }))
  const windows = (await apiOk(page, 'GET', '/api/v1/windows')).items.filter((w) => w.active && (w.staff_ids ?? []).includes(me.user.id))
  assert.ok(windows.length > 0, 'the clerk needs a window')
  const window = windows.find((w) => w.department_id === power.department?.id) ?? windows.find((w) => w.comprehensive) ?? windows[0]
  const created = await apiOk(page, 'POST', '/api/v1/cases', {
    power_id: power.id,
    window_id: window.id,
    channel: 'window',
    applicant: { type: 'person', name: '电子监察测试申请人', id_number: APPLICANT_ID, phone: '13800000000' },
    materials,
  })
  const accepted = await apiOk(page, 'POST', `/api/v1/cases/${created.id}/accept`)
  assert.equal(accepted.status, 'in_progress')
  assert.ok(accepted.due_at, `the accepted case has a due instant: ${JSON.stringify(accepted).slice(0, 300)}`)
  return { id: accepted.id, trackingNo: accepted.tracking_no, dueAt: Date.parse(accepted.due_at), acceptedAt: Date.parse(accepted.accepted_at), department: power.department }
}

/** Moves the platform clock forward from a signed-in page: one jump, unless it is longer than the server allows. */
async function travel(page, hours) {
  let left = hours
  let last = null
  while (left > 0) {
    const step = Math.min(left, MAX_HOURS)
    last = await apiOk(page, 'POST', '/api/v1/dev/time-travel', { hours: step })
    left -= step
  }
  return last
}

spec(
  'supervision: a case goes overdue, the county dashboard shows the yellow card live, the city sends a notice, the department replies',
  async ({ page }) => {
    // 1. The clerk takes in and accepts a fresh application.
    const clerk = await launch()
    let kase
    try {
      await login(clerk.page, county, 'clerk', password)
      kase = await openFreshCase(clerk.page)
    } finally {
      await clerk.close()
    }

    // 2. The county supervisor opens the dashboard; the live stream connects.
    await login(page, county, 'supervisor', password)
    await page.goto('/supervision')
    const dashboard = page.getByTestId('supervision-dashboard')
    await dashboard.waitFor()
    assert.equal(await dashboard.getAttribute('data-level'), 'tenant')
    await eventually(async () => assert.equal(await page.getByTestId('live-indicator').first().getAttribute('data-state'), 'open'))
    await eventually(async () => assert.match(await page.getByTestId('scope-table').innerText(), /局/))
    await page.evaluate(() => {
      window.__sameDocument = true
    })

    // 3. The platform admin moves the clock to just before the due instant (the supervisor may
    // not: 403)…
    const admin = await launch()
    await login(admin.page, city, 'admin', password)
    const refused = await api(page, 'POST', '/api/v1/dev/time-travel', { hours: 1 })
    assert.equal(refused.status, 403, `a supervisor moving the clock: ${refused.text.slice(0, 200)}`)
    const hoursToDue = (kase.dueAt - kase.acceptedAt) / 3600e3
    const before = await travel(admin.page, Math.max(0, Math.ceil(hoursToDue) - 1))
    const now = before ? Date.parse(before.now) : kase.acceptedAt
    assert.ok(now < kase.dueAt, `the clock (${before?.now}) should still be before the due instant`)
    const yellowCard = page.locator(`[data-testid="live-item"][data-level="yellow"]`, { hasText: kase.trackingNo }).filter({ hasText: '超期未办结' })
    assert.equal(await yellowCard.count(), 0, 'no yellow card yet')

    // …and past it: the sweep raises the yellow card, and the open dashboard shows it by itself.
    const started = Date.now()
    let res = await travel(admin.page, Math.ceil((kase.dueAt - now) / 3600e3) + 1)
    // A periodic sweep may hold the lock for a moment: the next jump's sweep catches up.
    for (let i = 0; i < 3 && res.sweep?.skipped; i++) {
      await page.waitForTimeout(1000)
      res = await travel(admin.page, 1)
    }
    const swept = Date.now()
    // The platform clock moved past the due instant; the sessions (wall clock) did not expire.
    const clock = await apiOk(admin.page, 'GET', '/api/v1/dev/clock')
    await admin.close()
    await apiOk(page, 'GET', '/api/v1/me')
    assert.ok(Date.parse(clock.now) >= kase.dueAt, `the platform clock (${clock.now}) is past the due instant`)
    assert.equal(clock.movable, true)
    await yellowCard.first().waitFor({ timeout: LIVE_MS + 10000 })
    const shown = Date.now()
    // The card is created (and published) during the sweep the jump runs; it must be on screen
    // within a few seconds of the sweep's answer at the latest.
    assert.ok(shown - swept < LIVE_MS, `the yellow card appeared ${shown - swept} ms after the sweep answered`)
    console.log(`e2e: yellow card for ${kase.trackingNo} on the dashboard ${shown - started} ms after the jump began (sweep ${swept - started} ms)`)
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the dashboard was not reloaded')
    const cardId = await yellowCard.first().getAttribute('data-card')
    assert.ok(cardId)

    // 4. The city supervisor: city view → 林州市 → the bureau → the card → a notice to 住建局.
    const cityCtx = await launch()
    const dept = await launch()
    try {
      const cp = cityCtx.page
      await login(cp, city, 'supervisor', password)
      await cp.goto('/supervision')
      await eventually(async () => assert.equal(await cp.getByTestId('supervision-dashboard').getAttribute('data-level'), 'city'))
      await cp.locator('[data-testid="drill"]', { hasText: '林州市' }).click()
      await eventually(async () => assert.equal(await cp.getByTestId('supervision-dashboard').getAttribute('data-level'), 'tenant'))
      assert.match(await cp.getByTestId('drill-path').innerText(), /林州市/)
      const deptName = kase.department?.name || '住房和城乡建设局'
      await cp.locator('[data-testid="drill"]', { hasText: deptName }).click()
      await eventually(async () => assert.equal(await cp.getByTestId('supervision-dashboard').getAttribute('data-level'), 'department'))
      const row = cp.getByTestId('scope-table').locator('tr', { hasText: kase.trackingNo }).filter({ hasText: '超期未办结' })
      await eventually(async () => assert.equal(await row.count(), 1))
      assert.match(await row.innerText(), /黄牌/)
      await row.getByTestId('card-detail').click()
      const drawer = cp.getByTestId('card-drawer')
      await eventually(async () => assert.match(await drawer.getByTestId('card-title').innerText(), new RegExp(kase.trackingNo)))
      // The card names its department itself (department_name), whichever county it is in.
      await eventually(async () => assert.equal((await drawer.getByTestId('card-department').innerText()).trim(), deptName))
      await drawer.getByTestId('card-send-notice').click()
      const dialog = cp.getByTestId('send-notice-dialog')
      await dialog.waitFor()
      await eventually(async () => assert.match(await dialog.getByTestId('send-notice-department').innerText(), /住房和城乡建设局/))
      const text = `请说明 ${kase.trackingNo} 超期未办结的原因，并于三个工作日内办结。`
      await dialog.locator('#notice-text').fill(text)
      const sent = cp.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/supervision/notices' && r.request().method() === 'POST')
      await dialog.getByTestId('send-notice-submit').click()
      const sentRes = await sent
      assert.equal(sentRes.status(), 201, await sentRes.text())
      const notice = await sentRes.json()
      assert.equal(notice.card_id, cardId)
      await dialog.waitFor({ state: 'hidden' })
      await eventually(async () => assert.match(await drawer.innerText(), /已发送/))

      // 5. The bureau's head: the notice in the inbox, then the reply.
      const dp = dept.page
      await login(dp, county, 'deptadmin', password)
      const bell = dp.getByTestId('inbox-bell')
      await eventually(async () => assert.ok(Number(await bell.getAttribute('data-unread')) > 0, 'an unread notification'))
      await bell.click()
      const item = dp.locator('[data-testid="inbox-item"][data-kind="notice"]', { hasText: kase.trackingNo })
      await item.first().waitFor()
      await item.first().click()
      await dp.waitForURL((u) => u.pathname === `/supervision/notices/${notice.id}`)
      const nd = dp.getByTestId('notice-drawer')
      await eventually(async () => assert.match(await nd.getByTestId('notice-detail-text').innerText(), new RegExp(kase.trackingNo)))
      await nd.getByTestId('notice-detail-reply-open').click()
      const reply = dp.getByTestId('reply-notice-dialog')
      await reply.waitFor()
      const replyText = `已督促承办人，${kase.trackingNo} 将于明日办结。`
      await reply.locator('#reply-text').fill(replyText)
      const replied = dp.waitForResponse((r) => new URL(r.url()).pathname === `/api/v1/supervision/notices/${notice.id}/reply`)
      await reply.getByTestId('reply-submit').click()
      const repliedRes = await replied
      assert.equal(repliedRes.status(), 200, await repliedRes.text())
      await reply.waitFor({ state: 'hidden' })
      await eventually(async () => assert.match(await nd.getByTestId('notice-detail-status').innerText(), /已回复/))

      // 6. The city supervisor sees the reply.
      await cp.goto('/supervision/notices')
      const noticeRow = cp.getByTestId('notices-table').locator('tr', { hasText: kase.trackingNo })
      await eventually(async () => {
        const t = await noticeRow.first().innerText()
        assert.match(t, /已回复/)
        assert.match(t, /已督促承办人/)
      })
      const broken = [...cp.logs, ...dp.logs].filter((l) => l.startsWith('[pageerror]'))
      assert.deepEqual(broken, [])
    } finally {
      await cityCtx.close()
      await dept.close()
    }
  },
  { skip, timeout: 300000, last: true },
)
