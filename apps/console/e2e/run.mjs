#!/usr/bin/env node
// Browser tests for the console: `SUNSHINE_E2E_URL=http://127.0.0.1:18080 npm run e2e`.
// Drives the system Chromium through playwright-core (no browser downloads). Specs live in
// e2e/specs/*.spec.mjs and register themselves with spec(); a name filter can be passed:
// `npm run e2e -- portal`.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { test } from 'node:test'
import { E2E_DIR, getConfig, launch, registeredSpecs, saveFailureArtifacts, url } from './lib.mjs'

let cfg
try {
  cfg = getConfig()
} catch (e) {
  console.error(`e2e: ${e.message}`)
  process.exit(1)
}

const specDir = join(E2E_DIR, 'specs')
const files = readdirSync(specDir)
  .filter((f) => f.endsWith('.spec.mjs'))
  .sort()
for (const f of files) await import(pathToFileURL(join(specDir, f)).href)

const filter = process.argv.slice(2).join(' ').trim().toLowerCase()
const specs = registeredSpecs().filter((s) => !filter || s.name.toLowerCase().includes(filter))
// Specs that change the shared server for good (the supervision spec moves the platform clock) run last.
specs.sort((a, b) => Number(!!a.options.last) - Number(!!b.options.last))
if (specs.length === 0) {
  console.error(`e2e: no spec matches "${filter}"`)
  process.exit(1)
}

console.log(`e2e: ${specs.length} spec(s) against ${cfg.baseURL} with ${cfg.chromiumPath}`)

for (const s of specs) {
  const skip = typeof s.options.skip === 'function' ? s.options.skip() : s.options.skip
  test(s.name, { skip: skip || false, timeout: s.options.timeout ?? cfg.timeout * 6 }, async () => {
    const { context, page, close } = await launch({ locale: s.options.locale })
    try {
      await s.fn({ page, context, url })
      // Whatever a spec checks, an uncaught script error or a blocked script/style is a failure.
      const broken = page.logs.filter((l) => l.startsWith('[pageerror]') || /Content Security Policy/i.test(l))
      if (broken.length) throw new Error(`page errors during "${s.name}":\n${broken.join('\n')}`)
    } catch (e) {
      const png = await saveFailureArtifacts(page, s.name)
      console.error(`e2e: "${s.name}" failed at ${page.url()}; screenshot ${png}`)
      for (const line of page.logs) console.error(`  ${line}`)
      throw e
    } finally {
      await close()
    }
  })
}
