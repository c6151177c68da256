// Certificates of the local broker's SSL and SASL_SSL listeners, made once per KAFKIT_HOME with the
// JDK's keytool (there wherever the broker's Java is; no network): a CA, and a broker certificate it
// signs for 127.0.0.1 and localhost. Clients trust `ca.pem`.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { kafkitHome } from './paths.ts'
import { KafkaSetupError } from './runtime.ts'

/** Store and key password of the local keystores: local development only, like the SASL user. */
export const LOCAL_TLS_PASSWORD = 'kafkit-local-only'

export interface LocalTls {
  dir: string
  /** PEM of the CA that signed the broker certificate: what clients trust. */
  caFile: string
  /** PKCS12 keystore with the broker's key and certificate chain. */
  keystore: string
}

export function tlsDir(): string {
  return join(kafkitHome(), 'tls')
}

export function localTls(dir = tlsDir()): LocalTls {
  return { dir, caFile: join(dir, 'ca.pem'), keystore: join(dir, 'broker.p12') }
}

/** The JDK's keytool, beside the java binary that runs the broker. */
export function keytoolBinary(java: string): string {
  return java.includes('/') ? join(dirname(java), 'keytool') : 'keytool'
}

/** Makes the CA and broker certificate unless they exist; returns where they are. */
export function ensureLocalTls(java: string, log: (line: string) => void = () => undefined): LocalTls {
  const target = localTls()
  if (existsSync(target.caFile) && existsSync(target.keystore)) return target
  mkdirSync(dirname(target.dir), { recursive: true })
  // Built aside and renamed into place, so that a half-made set never looks complete.
  const work = mkdtempSync(join(dirname(target.dir), `${basename(target.dir)}-new-`))
  try {
    const keytool = keytoolBinary(java)
    makeCa(keytool, work, 'kafkit local CA')
    const run = (args: string[]) => keytoolRun(keytool, work, args)
    const store = ['-storetype', 'PKCS12', '-storepass', LOCAL_TLS_PASSWORD, '-keypass', LOCAL_TLS_PASSWORD]
    run([
      '-genkeypair',
      ...['-alias', 'broker', '-keyalg', 'EC', '-groupname', 'secp256r1', '-dname', 'CN=localhost'],
      ...['-validity', '3650', '-keystore', 'broker.p12', ...store],
    ])
    run(['-certreq', '-alias', 'broker', '-keystore', 'broker.p12', '-file', 'broker.csr', ...store])
    run([
      '-gencert',
      ...['-alias', 'ca', '-keystore', 'ca.p12', '-infile', 'broker.csr', '-outfile', 'broker.pem', '-rfc'],
      ...['-ext', 'san=ip:127.0.0.1,dns:localhost', '-ext', 'eku=serverAuth', '-validity', '3650', ...store],
    ])
    run(['-importcert', '-alias', 'ca', '-file', 'ca.pem', '-keystore', 'broker.p12', '-noprompt', ...store])
    run(['-importcert', '-alias', 'broker', '-file', 'broker.pem', '-keystore', 'broker.p12', ...store])
    rmSync(target.dir, { recursive: true, force: true })
    renameSync(work, target.dir)
  } catch (err) {
    rmSync(work, { recursive: true, force: true })
    throw err
  }
  log(`made the local CA and broker certificate in ${target.dir} (clients trust ${target.caFile})`)
  return target
}

/** A self-signed CA in `dir`: `ca.p12` (its key) and `ca.pem` (its certificate). */
export function makeCa(keytool: string, dir: string, name: string): string {
  const store = ['-storetype', 'PKCS12', '-storepass', LOCAL_TLS_PASSWORD, '-keypass', LOCAL_TLS_PASSWORD]
  keytoolRun(keytool, dir, [
    '-genkeypair',
    ...['-alias', 'ca', '-keyalg', 'EC', '-groupname', 'secp256r1', '-dname', `CN=${name}`],
    ...['-ext', 'bc:c', '-validity', '3650', '-keystore', 'ca.p12', ...store],
  ])
  keytoolRun(keytool, dir, ['-exportcert', '-rfc', '-alias', 'ca', '-keystore', 'ca.p12', '-file', 'ca.pem', ...store])
  return join(dir, 'ca.pem')
}

function keytoolRun(keytool: string, cwd: string, args: string[]): void {
  const res = spawnSync(keytool, args, { cwd, encoding: 'utf8' })
  if (res.error || res.status !== 0) {
    const reason = res.error?.message ?? `${res.stdout}${res.stderr}`
    throw new KafkaSetupError(`keytool ${args[0]} failed: ${reason.trim()}`)
  }
}
