// The machine and versions a run was taken on, printed with its results.
import { existsSync, readFileSync } from 'node:fs'
import { cpus, loadavg, release, totalmem, type } from 'node:os'
import { KAFKA_VERSION } from '../../scripts/kafka/index.ts'
import { javaVersion } from './java.ts'

export interface Environment {
  date: string
  command: string
  node: string
  kafka: string
  broker: string
  java: string
  libraries: Record<string, string>
  cpu: string
  cores: number
  memoryGiB: number
  os: string
  /** 1, 5 and 15 minute load averages at the start and the end of the run. */
  loadBefore: number[]
  loadAfter: number[]
  /** Share of the last minute in which some runnable task waited for a CPU (Linux PSI), in %. */
  cpuPressureBefore: number | undefined
  cpuPressureAfter: number | undefined
}

function version(pkg: string): string {
  try {
    const url = new URL(`../../node_modules/${pkg}/package.json`, import.meta.url)
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
}

export function environment(command: string, broker: string): Environment {
  const kafkit = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return {
    date: new Date().toISOString(),
    command,
    node: process.version,
    kafka: KAFKA_VERSION,
    broker,
    java: javaVersion(),
    libraries: {
      kafkit: kafkit.version,
      '@platformatic/kafka': version('@platformatic/kafka'),
      kafkajs: version('kafkajs'),
      zod: version('zod'),
      'hdr-histogram-js': version('hdr-histogram-js'),
    },
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    loadBefore: loadavg().map(round2),
    loadAfter: [],
    cpuPressureBefore: cpuPressure(),
    cpuPressureAfter: undefined,
  }
}

export const round2 = (n: number) => Math.round(n * 100) / 100
export const currentLoad = () => loadavg().map(round2)

/** `some avg60` of /proc/pressure/cpu: how much other work competed for the CPUs. */
export function cpuPressure(): number | undefined {
  if (!existsSync('/proc/pressure/cpu')) return undefined
  const match = /some avg10=[\d.]+ avg60=([\d.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'))
  return match ? Number(match[1]) : undefined
}
