// The registry JVM: started detached with a marker, stopped exactly (by the pid it wrote).
import { spawn } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { registryPorts, type RegistryFiles } from './paths.ts'
import { RegistrySetupError } from './runtime.ts'

export function startRegistryProcess(java: string, dist: string, files: RegistryFiles): number {
  mkdirSync(files.dir, { recursive: true })
  const { http, management } = registryPorts()
  const log = openSync(files.log, 'a')
  const child = spawn(
    java,
    [
      // A small heap and the quick JIT: it serves a few schemas to tests, not production traffic.
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Xmx256m',
      // A marker so that stop() can tell our registry from an unrelated process reusing the pid.
      `-Dkafkit.registry=${files.dir}`,
      '-Dquarkus.http.host=127.0.0.1',
      `-Dquarkus.http.port=${http}`,
      '-Dquarkus.management.host=127.0.0.1',
      `-Dquarkus.management.port=${management}`,
      // Confluent's default; Apicurio's is NONE.
      '-Dapicurio.rules.global.compatibility=BACKWARD',
      '-jar',
      join(dist, 'quarkus-run.jar'),
    ],
    { cwd: dist, detached: true, stdio: ['ignore', log, log] },
  )
  closeSync(log)
  child.unref()
  if (child.pid === undefined) throw new RegistrySetupError('could not start the registry JVM')
  writeFileSync(files.pid, String(child.pid))
  return child.pid
}

/** The pid of our registry JVM if it is running, else undefined. */
export function registryPid(files: RegistryFiles): number | undefined {
  if (!existsSync(files.pid)) return undefined
  const pid = Number(readFileSync(files.pid, 'utf8').trim())
  if (!Number.isInteger(pid) || pid <= 0) return undefined
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    return cmdline.includes(`-Dkafkit.registry=${files.dir}`) ? pid : undefined
  } catch {
    // No /proc (macOS): fall back to "is some process with that pid alive".
    try {
      process.kill(pid, 0)
      return pid
    } catch {
      return undefined
    }
  }
}

/** SIGTERM (Quarkus stops in well under a second), SIGKILL after the grace period. */
export async function stopRegistryProcess(files: RegistryFiles, graceMs = 15_000): Promise<number | undefined> {
  const pid = registryPid(files)
  if (pid === undefined) {
    rmSync(files.pid, { force: true })
    return undefined
  }
  process.kill(pid, 'SIGTERM')
  const until = Date.now() + graceMs
  while (registryPid(files) !== undefined && Date.now() < until) await sleep(100)
  if (registryPid(files) !== undefined) {
    process.kill(pid, 'SIGKILL')
    while (registryPid(files) !== undefined) await sleep(100)
  }
  // Its command line is gone early in its exit, while its threads still end: stopped means ended.
  const ended = Date.now() + 5_000
  while (exiting(pid) && Date.now() < ended) await sleep(50)
  rmSync(files.pid, { force: true })
  return pid
}

/** Whether the process has not ended yet (a zombie has: only its parent's wait is left). */
function exiting(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false // gone, or no /proc (macOS)
  }
}

export function tailRegistryLog(files: RegistryFiles, lines = 30): string {
  if (!existsSync(files.log)) return '(no log)'
  return readFileSync(files.log, 'utf8').split('\n').slice(-lines).join('\n')
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
