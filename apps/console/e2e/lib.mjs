// Helpers for the browser tests: configuration, a fresh Chromium per spec, UI-level login, and
// the spec registry that run.mjs executes with node:test.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

export const E2E_DIR = dirname(fileURLToPath(import.meta.url))
export const ARTIFACTS_DIR = join(E2E_DIR, 'artifacts')

/** Chromium flags: quiet, offline-friendly, container-safe. The profile dir comes from launchPersistentContext. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]

/** Reads and checks the environment; throws a message meant for a human when something is missing. */
export function loadConfig(env = process.env) {
  const baseURL = (env.SUNSHINE_E2E_URL ?? '').trim().replace(/\/+$/, '')
  if (!baseURL) {
    throw new Error(
      'SUNSHINE_E2E_URL is not set. Point it at a running Sunshine server, e.g. SUNSHINE_E2E_URL=http://127.0.0.1:18080 npm run e2e',
    )
  }
  if (!/^https?:\/\//.test(baseURL)) throw new Error(`SUNSHINE_E2E_URL must be an http(s) URL, got "${baseURL}"`)
  const chromiumPath = (env.CHROMIUM_PATH ?? '').trim() || '/usr/bin/chromium'
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium not found at ${chromiumPath}; install it with apt-get install chromium or set CHROMIUM_PATH`,
    )
  }
  const timeout = Number(env.SUNSHINE_E2E_TIMEOUT_MS ?? 15000)
  return {
    baseURL,
    chromiumPath,
    timeout: Number.isFinite(timeout) && timeout > 0 ? timeout : 15000,
    headless: env.SUNSHINE_E2E_HEADED !== '1',
  }
}

let config = null

/** The checked configuration (run.mjs loads it once before any spec runs). */
export function getConfig() {
  if (!config) config = loadConfig()
  return config
}

/** Absolute URL of an app path. */
export function url(path = '/') {
  return `${getConfig().baseURL}${path.startsWith('/') ? path : `/${path}`}`
}

/**
 * A fresh browser: new temporary profile (no cookies, no localStorage), one page, zh-CN.
 * Returns { context, page, close }. Console errors and failed requests are collected on `page.logs`.
 */
export async function launch({ locale = 'zh-CN', viewport = { width: 1366, height: 768 } } = {}) {
  const cfg = getConfig()
  const profile = mkdtempSync(join(tmpdir(), 'sunshine-e2e-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: cfg.chromiumPath,
    headless: cfg.headless,
    args: CHROMIUM_ARGS,
    locale,
    viewport,
    baseURL: cfg.baseURL,
  })
  context.setDefaultTimeout(cfg.timeout)
  const page = context.pages()[0] ?? (await context.newPage())
  const logs = []
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') logs.push(`[console.${m.type()}] ${m.text()}`)
  })
  page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`))
  page.on('requestfailed', (r) => logs.push(`[requestfailed] ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`))
  page.logs = logs
  const close = async () => {
    await context.close().catch(() => {})
    rmSync(profile, { recursive: true, force: true })
  }
  return { context, page, close }
}

/** Picks a tenant in the login page's picker by its code (types the code, clicks the option). */
export async function chooseTenant(page, tenantCode) {
  const select = page.getByTestId('tenant-select')
  await select.click()
  await page.keyboard.type(tenantCode)
  await page.locator('.el-select-dropdown__item:visible', { hasText: `(${tenantCode})` }).first().click()
}

/**
 * Signs in through the login page as a person would and waits until the console has left /login.
 * Resolves to the path the app landed on ("/" or "/profile/password").
 */
export async function login(page, tenant, user, password) {
  await page.goto(url('/login'))
  await chooseTenant(page, tenant)
  await page.locator('#login-username').fill(user)
  await page.locator('#login-password').fill(password)
  await page.getByTestId('login-submit').click()
  await page.waitForURL((u) => !u.pathname.startsWith('/login'))
  return new URL(page.url()).pathname
}

/** Saves a full-page screenshot and the collected logs of a failed spec. */
export async function saveFailureArtifacts(page, name) {
  mkdirSync(ARTIFACTS_DIR, { recursive: true })
  const slug = name.replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-|-$/g, '').slice(0, 80) || 'spec'
  const png = join(ARTIFACTS_DIR, `${slug}.png`)
  await page.screenshot({ path: png, fullPage: true }).catch(() => {})
  writeFileSync(join(ARTIFACTS_DIR, `${slug}.log`), [`url: ${page.url()}`, ...(page.logs ?? [])].join('\n') + '\n')
  return png
}

/** @typedef {{ page: import('playwright-core').Page, context: import('playwright-core').BrowserContext, url: typeof url }} SpecContext */

const registry = []

/**
 * Registers a browser spec. Each spec gets a fresh browser profile and page.
 * options.skip: a reason string (or a function returning one) to skip, e.g. missing credentials.
 * @param {string} name
 * @param {(ctx: SpecContext) => Promise<void>} fn
 * options.last: run after every other spec (for a spec that changes the shared server for good).
 * @param {{ skip?: string | false | (() => string | false), timeout?: number, locale?: string, last?: boolean }} [options]
 */
export function spec(name, fn, options = {}) {
  if (registry.some((s) => s.name === name)) throw new Error(`duplicate e2e spec name: ${name}`)
  registry.push({ name, fn, options })
}

export function registeredSpecs() {
  return [...registry]
}

/**
 * Retries an assertion until it passes or the timeout ends (the UI renders asynchronously);
 * rethrows the last failure.
 */
export async function eventually(assertion, { timeout = getConfig().timeout, interval = 100 } = {}) {
  const deadline = Date.now() + timeout
  for (;;) {
    try {
      return await assertion()
    } catch (e) {
      if (Date.now() >= deadline) throw e
      await new Promise((r) => setTimeout(r, interval))
    }
  }
}

/** The trimmed text of the form-item labels on the page, in order. */
export async function formLabels(page) {
  return (await page.locator('.el-form-item__label').allInnerTexts()).map((s) => s.trim())
}
