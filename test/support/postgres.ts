// A private PostgreSQL server for tests that kill the database: initdb and pg_ctl from the
// machine's PostgreSQL packages (/usr/lib/postgresql/<version>/bin), a data directory in a temporary
// folder and a free port, so that the shared server on 5432 is never disturbed. As root (CI), the
// server runs as the `postgres` user, which initdb requires.
import { execFile } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const exec = promisify(execFile)

export interface PrivatePostgres {
  url: string
  port: number
  /** Kills every server process at once, as a crash would (no checkpoint; recovery on the next start). */
  crash(): Promise<void>
  start(): Promise<void>
  /** Stops it and deletes its files. */
  destroy(): Promise<void>
}

export function postgresBin(): string {
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : []
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0]
  if (!newest) throw new Error(`no PostgreSQL server binaries under ${root} (apt-get install postgresql)`)
  return join(root, newest, 'bin')
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBin()
  const dir = mkdtempSync(join(tmpdir(), 'kafkit-pg-'))
  const data = join(dir, 'data')
  const asRoot = process.getuid?.() === 0
  let owner: { uid: number; gid: number } | undefined
  if (asRoot) {
    const { stdout } = await exec('id', ['-u', 'postgres'])
    const { stdout: gid } = await exec('id', ['-g', 'postgres'])
    owner = { uid: Number(stdout.trim()), gid: Number(gid.trim()) }
    chownSync(dir, owner.uid, owner.gid)
  }
  const run = (tool: string, args: string[]) =>
    asRoot ? exec('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : exec(join(bin, tool), args)
  await run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'])
  const port = await freePort()
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`
  const start = async () => {
    await run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '60', 'start'])
  }
  await start()
  if (owner && !statSync(dir).isDirectory()) throw new Error('the data directory vanished')
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    async crash() {
      await run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'])
    },
    async destroy() {
      await run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
