// Pages that need no session: login (zh-CN default, switch to English), 404, public portal.
import assert from 'node:assert/strict'
import { eventually, formLabels, spec } from '../lib.mjs'

spec('login page renders in Chinese with tenants from the API, and switches to English', async ({ page, url }) => {
  const tenantsResponse = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/public/tenants')
  await page.goto(url('/login'))
  const res = await tenantsResponse
  assert.equal(res.status(), 200, 'GET /api/v1/public/tenants should succeed')

  const title = page.getByTestId('app-title')
  await eventually(async () => assert.equal((await title.innerText()).trim(), '阳光施政平台'))
  assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN')
  await eventually(async () => {
    const labels = await formLabels(page)
    assert.ok(labels.includes('用户名'), `labels ${JSON.stringify(labels)} should include 用户名`)
    assert.ok(labels.includes('密码'), `labels ${JSON.stringify(labels)} should include 密码`)
  })

  // The picker lists the tenants the API returned, the city first.
  await page.getByTestId('tenant-select').click()
  const options = page.locator('.el-select-dropdown__item:visible')
  await eventually(async () => {
    const texts = (await options.allInnerTexts()).map((s) => s.trim())
    assert.ok(texts.includes('安阳市 (410500)'), `options ${JSON.stringify(texts)} should include 安阳市 (410500)`)
    assert.ok(texts.includes('林州市 (410581)'), `options ${JSON.stringify(texts)} should include 林州市 (410581)`)
    assert.ok(texts.indexOf('安阳市 (410500)') < texts.indexOf('林州市 (410581)'), 'the city comes first')
  })
  // Filtering by code narrows the list.
  await page.keyboard.type('410581')
  await eventually(async () => {
    const texts = (await options.allInnerTexts()).map((s) => s.trim())
    assert.deepEqual(texts, ['林州市 (410581)'])
  })
  await page.keyboard.press('Escape')

  // Empty submit: required-field messages under the fields, no login request.
  let loginCalls = 0
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/v1/auth/login') loginCalls++
  })
  await page.locator('#login-username').fill('')
  await page.getByTestId('login-submit').click()
  await eventually(async () => {
    const errors = (await page.locator('.el-form-item__error').allInnerTexts()).map((s) => s.trim())
    assert.ok(errors.includes('请输入用户名'), `errors ${JSON.stringify(errors)} should include 请输入用户名`)
    assert.ok(errors.includes('请输入密码'), `errors ${JSON.stringify(errors)} should include 请输入密码`)
  })
  assert.equal(loginCalls, 0, 'an invalid form must not be submitted')

  // Switch to English: labels, title and <html lang> change, and the choice survives a reload.
  await page.getByText('English', { exact: true }).click()
  await eventually(async () => {
    assert.equal((await title.innerText()).trim(), 'Sunshine Governance Platform')
    const labels = await formLabels(page)
    assert.ok(labels.includes('Username') && labels.includes('Password'), `labels ${JSON.stringify(labels)}`)
  })
  assert.equal(await page.locator('html').getAttribute('lang'), 'en')
  await page.reload()
  await eventually(async () => assert.equal((await title.innerText()).trim(), 'Sunshine Governance Platform'))
  assert.equal(await page.locator('html').getAttribute('lang'), 'en')
})

spec('an unknown route shows the 404 page', async ({ page, url }) => {
  const res = await page.goto(url('/no/such/page'))
  // Deep links are served the app (SPA fallback), which then shows its own 404.
  assert.equal(res?.status(), 200, 'the server should answer a deep link with index.html')
  const nf = page.getByTestId('not-found')
  await nf.waitFor()
  await eventually(async () => assert.match(await nf.innerText(), /页面不存在/))
  assert.match(await nf.innerText(), /404/)
})

spec('the public portal of 林州市 shows the tenant without calling authenticated endpoints', async ({ page, url }) => {
  const authCalls = []
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname
    if (path.startsWith('/api/') && !path.startsWith('/api/v1/public/')) authCalls.push(path)
  })
  await page.goto(url('/portal/410581'))
  const name = page.getByTestId('portal-tenant')
  await eventually(async () => assert.equal((await name.innerText()).trim(), '林州市'))
  const nav = page.locator('.portal-nav')
  for (const tab of ['权力清单', '网上申请', '办件查询', '投诉', '信息公开']) {
    await nav.getByText(tab, { exact: true }).waitFor()
  }
  // The first tab is the public power catalogue (权力清单).
  await page.getByTestId('portal-catalogue').waitFor()
  // The online application form shows a captcha image (a new one on a click), and a wrong
  // answer is refused by the server under the captcha field.
  await nav.getByText('网上申请', { exact: true }).click()
  await page.waitForURL((u) => u.pathname === '/portal/410581/apply')
  const captcha = page.getByTestId('intake-captcha-image')
  await captcha.waitFor()
  assert.match(await captcha.getAttribute('src'), /^data:image\/png;base64,/)
  const first = await captcha.getAttribute('data-captcha-id')
  await captcha.click()
  await eventually(async () => assert.notEqual(await captcha.getAttribute('data-captcha-id'), first))
  // Unbuilt sections say so plainly.
  await nav.getByText('投诉', { exact: true }).click()
  await page.waitForURL((u) => u.pathname === '/portal/410581/complaint')
  await page.getByText('此功能将在后续版本提供').waitFor()

  // An unknown tenant code gets a friendly not-found state.
  await page.goto(url('/portal/999999'))
  const missing = page.getByTestId('portal-not-found')
  await missing.waitFor()
  assert.match(await missing.innerText(), /未找到该门户/)

  assert.deepEqual(authCalls, [], 'the portal must only call public endpoints')
})
