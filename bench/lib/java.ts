// Kafka's own performance tools, run from the jars fetched with the broker
// (`java -cp '<libs>/*' org.apache.kafka.tools.<Tool>`), with their output parsed. Kafka 4.0/4.1
// syntax: `--producer-props` and positional EndToEndLatency arguments (4.2 renamed both).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { javaBinary, libsDir } from '../../scripts/kafka/index.ts'
import { COMMON } from './settings.ts'

export function javaToolsAvailable(): boolean {
  return javaBinary() !== undefined && existsSync(libsDir())
}

export function javaVersion(): string {
  const java = javaBinary()
  if (!java) return 'none'
  const res = spawnSync(java, ['-version'], { encoding: 'utf8' })
  return (res.stderr || res.stdout).split('\n')[0]?.trim() ?? 'unknown'
}

function runTool(tool: string, args: string[], timeoutMs: number): Promise<string> {
  const java = javaBinary()
  if (!java) return Promise.reject(new Error('Java 17+ is needed for the Kafka tools'))
  const child = spawn(java, [
    `-Xmx${COMMON.javaHeap}`,
    '-cp',
    `${libsDir()}/*`,
    `org.apache.kafka.tools.${tool}`,
    ...args,
  ])
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('exit', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve(output)
      else reject(new Error(`${tool} exited with ${code}:\n${output.slice(-2000)}`))
    })
  })
}

export interface ProducerPerfResult {
  records: number
  recordsPerSec: number
  mbPerSec: number
  avgMs: number
  maxMs: number
  p50: number
  p95: number
  p99: number
  p999: number
}

const PRODUCER_LINE =
  /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th/g

export function parseProducerPerformance(output: string): ProducerPerfResult {
  const match = [...output.matchAll(PRODUCER_LINE)].at(-1)
  if (!match) throw new Error(`no summary line in ProducerPerformance output:\n${output.slice(-1000)}`)
  const n = match.slice(1).map(Number) as [number, number, number, number, number, number, number, number, number]
  return {
    records: n[0],
    recordsPerSec: n[1],
    mbPerSec: n[2],
    avgMs: n[3],
    maxMs: n[4],
    p50: n[5],
    p95: n[6],
    p99: n[7],
    p999: n[8],
  }
}

/** ProducerPerformance with the same acks, idempotence, batching and compression as the Node clients. */
export async function producerPerformance(
  bootstrap: string,
  topic: string,
  records: number,
  throughput = -1,
): Promise<ProducerPerfResult> {
  const props = [
    `bootstrap.servers=${bootstrap}`,
    `acks=${COMMON.acks}`,
    `enable.idempotence=${COMMON.idempotent}`,
    `linger.ms=${COMMON.lingerMs}`,
    `batch.size=${COMMON.batchBytes}`,
    `compression.type=${COMMON.compression}`,
  ]
  const args = ['--topic', topic, '--num-records', String(records), '--record-size', String(COMMON.recordBytes)]
  args.push('--throughput', String(throughput), '--producer-props', ...props)
  return parseProducerPerformance(await runTool('ProducerPerformance', args, 600_000))
}

export interface ConsumerPerfResult {
  messages: number
  /** Including the group join. */
  msgsPerSec: number
  rebalanceMs: number
  fetchMs: number
  /** Excluding the group join: comparable with the Node figures (first to last record). */
  fetchMsgsPerSec: number
  fetchMbPerSec: number
}

export function parseConsumerPerformance(output: string): ConsumerPerfResult {
  const lines = output.split('\n')
  const header = lines.findIndex((l) => l.startsWith('start.time'))
  const row = header >= 0 ? lines[header + 1] : undefined
  const cells = row?.split(',').map((c) => c.trim())
  if (!cells || cells.length < 10)
    throw new Error(`no result row in ConsumerPerformance output:\n${output.slice(-1000)}`)
  const n = cells.map(Number)
  return {
    messages: n[4]!,
    msgsPerSec: n[5]!,
    rebalanceMs: n[6]!,
    fetchMs: n[7]!,
    fetchMbPerSec: n[8]!,
    fetchMsgsPerSec: n[9]!,
  }
}

export async function consumerPerformance(
  bootstrap: string,
  topic: string,
  messages: number,
  group: string,
): Promise<ConsumerPerfResult> {
  const args = ['--bootstrap-server', bootstrap, '--topic', topic, '--messages', String(messages)]
  args.push('--group', group, '--timeout', '60000')
  return parseConsumerPerformance(await runTool('ConsumerPerformance', args, 600_000))
}

export interface EndToEndResult {
  messages: number
  avgMs: number
  /** Whole milliseconds, truncated by the tool. */
  p50: number
  p99: number
  p999: number
}

export function parseEndToEndLatency(output: string, messages: number): EndToEndResult {
  const avg = /Avg latency: ([\d.]+) ms/.exec(output)
  const pct = /Percentiles: 50th = (\d+), 99th = (\d+), 99\.9th = (\d+)/.exec(output)
  if (!avg || !pct) throw new Error(`no summary in EndToEndLatency output:\n${output.slice(-1000)}`)
  return { messages, avgMs: Number(avg[1]), p50: Number(pct[1]), p99: Number(pct[2]), p999: Number(pct[3]) }
}

/** Closed loop: one 1 KiB record in flight, acks=all, produce → consume on a 1-partition topic. */
export async function endToEndLatency(bootstrap: string, topic: string, messages: number): Promise<EndToEndResult> {
  const args = [bootstrap, topic, String(messages), COMMON.acks, String(COMMON.recordBytes)]
  return parseEndToEndLatency(await runTool('EndToEndLatency', args, 600_000), messages)
}
