// A private KAFKIT_HOME for brokers that run beside the machine's own (tests, the fault suite): its
// own run state, sharing the cached jars and, when already made, the local CA and certificate.
import { existsSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { KAFKA_VERSION, libsDir } from './paths.ts'
import { localTls } from './tls.ts'

export function privateHome(prefix = 'kafkit-home-'): string {
  const home = mkdtempSync(join(tmpdir(), prefix))
  const libs = join(home, `kafka-${KAFKA_VERSION}`, 'libs')
  mkdirSync(dirname(libs), { recursive: true })
  symlinkSync(libsDir(), libs)
  const shared = localTls()
  if (existsSync(shared.caFile) && existsSync(shared.keystore)) symlinkSync(shared.dir, join(home, 'tls'))
  return home
}
