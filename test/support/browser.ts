// A real headless Chromium (Debian's `chromium` package) driven by playwright-core, for the
// console's browser tests. `.ci/run` installs the package; a local run without it skips those
// tests, saying so, and a CI run (CI set) fails them instead. Each launch gets a fresh profile and
// no background networking: the machines have no internet, and Chromium's own update, sync and
// QUIC probes would only fail.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { defer } from './kafka.ts'

export const CHROMIUM = '/usr/bin/chromium'

/** True when Chromium can be used; otherwise skips the test, or fails it under CI. */
export function requireChromium(t: TestContext): boolean {
  if (existsSync(CHROMIUM)) return true
  const reason = `${CHROMIUM} is not installed (apt-get install -y chromium; .ci/run installs it)`
  if (process.env['CI']) throw new Error(`${reason}: the console's browser tests cannot run`)
  t.skip(`${reason}: the browser tests did not run`)
  return false
}

/** Chromium with a fresh profile (playwright passes it as --user-data-dir), closed when the test ends. */
export async function launchBrowser(t: TestContext): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'kafkit-chromium-'))
  defer(t, () => rmSync(profile, { recursive: true, force: true }))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  defer(t, () => context.close())
  return context
}

export async function newPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage()
  page.on('dialog', (dialog) => void dialog.accept())
  return page
}
