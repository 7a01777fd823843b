// Signed-in shell. Needs an account on the target server, so it runs only when one is given:
// SUNSHINE_E2E_TENANT (default 410581), SUNSHINE_E2E_USER, SUNSHINE_E2E_PASSWORD.
import assert from 'node:assert/strict'
import { eventually, login, spec } from '../lib.mjs'

const tenant = process.env.SUNSHINE_E2E_TENANT || '410581'
const user = process.env.SUNSHINE_E2E_USER
const password = process.env.SUNSHINE_E2E_PASSWORD
const skip = () => (user && password ? false : 'set SUNSHINE_E2E_USER and SUNSHINE_E2E_PASSWORD to run')

spec(
  'staff can sign in, see the shell and sign out',
  async ({ page, url }) => {
    const landed = await login(page, tenant, user, password)
    if (landed === '/profile/password') {
      // A first-login account: the console forces the change before anything else.
      await page.getByTestId('must-change').waitFor()
      return
    }
    assert.equal(landed, '/')
    await page.getByTestId('welcome-card').waitFor()
    await eventually(async () => assert.ok((await page.getByTestId('header-tenant').innerText()).trim().length > 0))
    // The menu always has the home entry; the rest follows the user's permissions.
    await page.locator('[data-menu="dashboard"]').waitFor()

    // The session is a cookie: a reload stays signed in.
    await page.reload()
    await page.getByTestId('welcome-card').waitFor()

    await page.getByTestId('user-menu').click()
    await page.getByTestId('logout').click()
    await page.waitForURL((u) => u.pathname === '/login')

    // After logout a staff page sends the user back to login, with a way back.
    await page.goto(url('/profile'))
    await page.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('redirect') === '/profile')
  },
  { skip },
)
