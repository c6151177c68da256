// The results of one run: the targets they are judged against, the markdown table and the files
// bench/results/latest.md and latest.json.
import { mkdirSync, writeFileSync } from 'node:fs'
import type { CodecResults } from '../scenarios/codec.ts'
import type { ConsumerResults } from '../scenarios/consumer.ts'
import type { JavaOpenLoop, LatencyResults } from '../scenarios/latency.ts'
import type { MemoryResult } from '../scenarios/memory.ts'
import type { OutboxResults } from '../scenarios/outbox.ts'
import type { PoolCase, PoolResults } from '../scenarios/pool.ts'
import type { ProducerResults } from '../scenarios/producer.ts'
import type { TransactionsResults } from '../scenarios/transactions.ts'
import type { Environment } from './env.ts'
import { KAFKA_VERSION } from '../../scripts/kafka/index.ts'
import { PARALLEL_CONSUMER_CLIENTS, PARALLEL_CONSUMER_VERSION } from './peers.ts'
import { COMMON, type Profile } from './settings.ts'
import { ratio, type Spread } from './stats.ts'

export interface Results {
  environment: Environment
  profile: Profile
  settings: typeof COMMON
  durationSeconds: number
  /** Scenarios still to run when this was written (a run in progress, or one that was cut short). */
  unfinished?: string[]
  producer?: ProducerResults
  consumer?: ConsumerResults
  latency?: LatencyResults
  pool?: PoolResults
  memory?: MemoryResult[]
  outbox?: OutboxResults
  codec?: CodecResults
  transactions?: TransactionsResults
  targets: Target[]
}

export interface Target {
  name: string
  threshold: string
  measured: string
  met: boolean
}

const int = (n: number | undefined) =>
  n === undefined || Number.isNaN(n) ? '–' : Math.round(n).toLocaleString('en-US')
const dec = (n: number | undefined, digits = 2) => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits))
const pct = (n: number) => `${(n * 100).toFixed(1)} %`

/** The goals of the performance issue; every run is judged against them. */
export function targets(r: Omit<Results, 'targets'>): Target[] {
  const out: Target[] = []
  const p = r.producer?.clients
  if (p) {
    for (const [client, label] of [
      ['kafkitBatch', 'publishBatch'],
      ['kafkitAsync', 'publishAsync'],
    ] as const) {
      const value = ratio(p[client]?.median, p.raw?.median)
      out.push({ name: `kafkit/raw publish (${label})`, threshold: '≥ 0.95', measured: dec(value), met: value >= 0.95 })
    }
  }
  const c = r.consumer?.clients
  if (c) {
    const value = ratio(c.kafkit?.median, c.raw?.median)
    out.push({
      name: 'kafkit/raw consume, per-record handler',
      threshold: '≥ 0.85',
      measured: dec(value),
      met: value >= 0.85,
    })
    if (c.kafkitBatch) {
      const batch = ratio(c.kafkitBatch.median, c.raw?.median)
      out.push({
        name: 'kafkit/raw consume, batch handler (`onBatch` defaults, maxSize 100)',
        threshold: '≥ 0.95',
        measured: dec(batch),
        met: batch >= 0.95,
      })
    }
  }
  const poolTarget = (e: PoolCase) =>
    e.client === 'kafkit' && e.keys === 1000 && (e.concurrency === 100 || e.concurrency === 1000)
  for (const entry of r.pool?.cases.filter(poolTarget) ?? []) {
    const goal = entry.concurrency === 100 ? 0.92 : 0.8
    out.push({
      name: `pool efficiency, 10 ms handlers, concurrency ${entry.concurrency}, ${entry.partitions} partition(s)`,
      threshold: `≥ ${goal * 100} %`,
      measured: pct(entry.efficiency),
      met: entry.efficiency >= goal && entry.orderViolations === 0,
    })
  }
  for (const [rate, ack, e2e] of [
    [1000, 3, 5],
    [10_000, 5, 8],
  ] as const) {
    const at = r.latency?.rates.find((e) => e.rate === rate)
    if (!at) continue
    const label = rate === 1000 ? '1k/s' : '10k/s'
    out.push({
      name: `publish→ack p99 at ${label}`,
      threshold: `< ${ack} ms`,
      measured: `${dec(at.publishAck.p99)} ms`,
      met: at.publishAck.p99 < ack,
    })
    out.push({
      name: `end-to-end p99 at ${label}`,
      threshold: `< ${e2e} ms`,
      measured: `${dec(at.endToEnd.p99)} ms`,
      met: at.endToEnd.p99 < e2e,
    })
  }
  for (const m of r.memory ?? []) {
    if (m.v8) continue // an explanatory run, not the target's configuration
    const config = m.concurrency === 10 ? 'defaults (concurrency 10)' : `concurrency ${m.concurrency}`
    const limit = m.concurrency === 10 ? 200 : 220
    out.push({
      name: `consumer peak RSS on the ${int(m.backlog)}-record backlog, ${config}`,
      threshold: `< ${limit} MB`,
      measured: `${dec(m.rssPeak, 0)} MB`,
      met: m.rssPeak < limit,
    })
  }
  return out
}

function throughputRows(clients: Partial<Record<string, Spread>>, labels: Record<string, string>): string[] {
  const rows = ['| client | msgs/s (median) | MB/s | min – max | runs |', '| --- | ---: | ---: | ---: | ---: |']
  for (const [key, label] of Object.entries(labels)) {
    const s = clients[key]
    if (!s) continue
    const mb = (s.median * COMMON.recordBytes) / 1e6
    rows.push(`| ${label} | ${int(s.median)} | ${dec(mb, 1)} | ${int(s.min)} – ${int(s.max)} | ${s.runs.length} |`)
  }
  return rows
}

function ratioRows(pairs: [string, number][]): string[] {
  return [
    '| ratio (medians) | value |',
    '| --- | ---: |',
    ...pairs.map(([name, value]) => `| ${name} | ${dec(value)} |`),
  ]
}

function producerSection(p: ProducerResults): string[] {
  const c = p.clients
  return [
    '## 1. Producer throughput',
    '',
    ...throughputRows(c, {
      kafkitBatch: 'kafkit `publishBatch` (64 per call)',
      kafkitAsync: 'kafkit `publishAsync` (linger 5 ms, 64 KiB)',
      raw: 'raw @platformatic/kafka `send` (64 per call)',
      kafkajs: 'kafkajs `send` (64 per call)',
      java: 'Java ProducerPerformance',
    }),
    '',
    ...ratioRows([
      ['kafkit publishBatch / raw', ratio(c.kafkitBatch?.median, c.raw?.median)],
      ['kafkit publishAsync / raw', ratio(c.kafkitAsync?.median, c.raw?.median)],
      ['kafkajs / raw', ratio(c.kafkajs?.median, c.raw?.median)],
      ['raw / Java', ratio(c.raw?.median, c.java?.median)],
    ]),
  ]
}

function consumerSection(r: ConsumerResults): string[] {
  const c = r.clients
  return [
    '## 2. Consumer throughput',
    '',
    `Backlog of ${int(r.records)} records; each run reads all of them with a new group.`,
    '',
    ...throughputRows(c, {
      kafkit: 'kafkit, no-op handler (decode + validate + route)',
      kafkitBatch: 'kafkit `onBatch`, no-op batch handler (default options: up to 100 per call, maxWait 100 ms)',
      raw: 'raw @platformatic/kafka + `JSON.parse`',
      kafkajs: 'kafkajs `eachMessage` + `JSON.parse`',
      java: 'Java ConsumerPerformance (fetch.nMsg.sec)',
    }),
    '',
    ...ratioRows([
      ['kafkit / raw', ratio(c.kafkit?.median, c.raw?.median)],
      ['kafkit onBatch / raw', ratio(c.kafkitBatch?.median, c.raw?.median)],
      ['kafkajs / raw', ratio(c.kafkajs?.median, c.raw?.median)],
      ['raw / Java', ratio(c.raw?.median, c.java?.median)],
    ]),
    ...cpuRows(r.cpu ?? {}),
  ]
}

/**
 * CPU time per record: what throughput would be if each client had the machine to itself. On a
 * shared machine the msgs/s above follow the CPU share each run happened to get.
 */
function cpuRows(cpu: ConsumerResults['cpu']): string[] {
  if (!cpu.raw) return []
  const rows = [
    '',
    'Process CPU time (user + system) per record over the measured records, which holds under load where msgs/s does not:',
    '',
    '| client | µs CPU per record (median) | min – max | raw / client |',
    '| --- | ---: | ---: | ---: |',
  ]
  for (const [key, label] of [
    ['kafkit', 'kafkit, per-record handler'],
    ['kafkitBatch', 'kafkit `onBatch` (default maxSize 100)'],
    ['raw', 'raw @platformatic/kafka'],
    ['kafkajs', 'kafkajs'],
  ] as const) {
    const s = cpu[key]
    if (s)
      rows.push(
        `| ${label} | ${dec(s.median, 1)} | ${dec(s.min, 1)} – ${dec(s.max, 1)} | ${dec(ratio(cpu.raw.median, s.median))} |`,
      )
  }
  return rows
}

function latencySection(l: LatencyResults): string[] {
  const rows = [
    '## 3. Latency (open loop, ms)',
    '',
    "kafkit, the raw @platformatic/kafka client (its producer stream sending at once as kafkit's `publish` does, its consumer with kafkit's fetch settings) and the plain Java client (kafka-clients, producer and consumer in one JVM, the same schedule, record size and producer settings), from the time each send was due.",
    '',
    '| rate | client | offered/s | publish→ack p50 | p99 | p99.9 | max | end-to-end p50 | p99 | p99.9 | max | harness lag | failures |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  const row = (rate: number, client: string, e: JavaOpenLoop) => {
    const a = e.publishAck
    const x = e.endToEnd
    return `| ${int(rate)}/s | ${client} | ${int(e.offered)} | ${dec(a.p50)} | ${dec(a.p99)} | ${dec(a.p999)} | ${dec(a.max)} | ${dec(x.p50)} | ${dec(x.p99)} | ${dec(x.p999)} | ${dec(x.max)} | ${dec(e.scheduleLagMs, 3)} | ${e.failures} |`
  }
  for (const e of l.rates) {
    rows.push(row(e.rate, 'kafkit', e))
    if (e.raw) rows.push(row(e.rate, 'raw @platformatic/kafka', e.raw))
    if (e.java) rows.push(row(e.rate, `Java kafka-clients ${KAFKA_VERSION}`, e.java))
  }
  for (const f of l.failed ?? []) rows.push('', `**${int(f.rate)}/s was not measured**: ${f.error}`)
  const java = l.rates.filter((e) => e.javaPublishAck)
  if (java.length > 0) {
    rows.push('', 'Java tool (it prints whole milliseconds, truncated):', '')
    rows.push('| tool | avg | p50 | p99 | p99.9 |', '| --- | ---: | ---: | ---: | ---: |')
    for (const e of java) {
      const j = e.javaPublishAck!
      rows.push(
        `| ProducerPerformance --throughput ${e.rate} (send→ack) | ${dec(j.avgMs)} | ${j.p50} | ${j.p99} | ${j.p999} |`,
      )
    }
  }
  return rows
}

const POOL_LABELS: Record<PoolCase['client'], string> = {
  kafkit: 'kafkit',
  'parallel-consumer': 'Parallel Consumer (KEY)',
  kafkajs: 'kafkajs (per partition)',
}

function poolSection(r: PoolResults, profile: Profile): string[] {
  const rows = [
    `## 4. Key-ordered pool efficiency (${profile.pool.handlerMs} ms handlers)`,
    '',
    `kafkit's key-ordered pool, Confluent Parallel Consumer ${PARALLEL_CONSUMER_VERSION} (\`ProcessingOrder.KEY\`, \`maxConcurrency\` = concurrency, kafka-clients ${PARALLEL_CONSUMER_CLIENTS} defaults) and kafkajs (\`partitionsConsumedConcurrently\` = concurrency) on the same prefilled topics. A peer's run ends ${profile.pool.peerSeconds} s after its first handler started; "records" is then what it handled by then (marked *).`,
    '',
    '| keys | partitions | concurrency | client | records | ideal/s | measured/s | efficiency | peak running | mean handler ms | loop delay p99 / max ms | order violations |',
    '| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...r.cases.map(
      (c) =>
        `| ${int(c.keys)} | ${c.partitions} | ${c.concurrency} | ${POOL_LABELS[c.client]} | ${int(c.records)}${c.complete ? '' : '*'} | ${int(c.ideal)} | ${int(c.msgsPerSec)} | ${pct(c.efficiency)} | ${c.peakConcurrency} | ${dec(c.meanHandlerMs)} | ${c.loopDelayP99Ms === undefined ? '–' : `${dec(c.loopDelayP99Ms, 1)} / ${dec(c.loopDelayMaxMs, 1)}`} | ${c.orderViolations} |`,
    ),
  ]
  const skipped = Object.entries(r.skipped)
  if (skipped.length > 0) rows.push('', ...skipped.map(([client, why]) => `${client} was not run: ${why}.`))
  const pairs: string[] = []
  for (const k of r.cases.filter((c) => c.client === 'kafkit')) {
    const same = (client: PoolCase['client']) =>
      r.cases.find(
        (c) =>
          c.client === client && c.keys === k.keys && c.partitions === k.partitions && c.concurrency === k.concurrency,
      )
    const pc = same('parallel-consumer')
    const js = same('kafkajs')
    if (!pc && !js) continue
    pairs.push(
      `| ${int(k.keys)} | ${k.partitions} | ${k.concurrency} | ${dec(ratio(k.efficiency, pc?.efficiency))} | ${dec(ratio(k.efficiency, js?.efficiency))} |`,
    )
  }
  if (pairs.length > 0)
    rows.push(
      '',
      'Efficiency ratios:',
      '',
      '| keys | partitions | concurrency | kafkit / Parallel Consumer | kafkit / kafkajs |',
      '| ---: | ---: | ---: | ---: | ---: |',
      ...pairs,
    )
  if (r.kills.length > 0)
    rows.push(
      '',
      'Commit behaviour: the consumer is killed (SIGKILL; the Parallel Consumer JVM halts itself, which is the same) right after a given number of its handlers finished, then a new member of the same group reads on; "handled again" counts the records whose handler had already finished.',
      '',
      '| client | records | partitions | concurrency | commit interval | killed after | handled again |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...r.kills.map(
        (k) =>
          `| ${POOL_LABELS[k.client]} | ${int(k.records)} | ${k.partitions} | ${k.concurrency} | ${int(k.commitIntervalMs)} ms | ${int(k.killedAfter)} | ${int(k.redelivered)} |`,
      ),
    )
  return rows
}

function memorySection(list: MemoryResult[]): string[] {
  return [
    '## 5. Memory on a backlog (MB = 10^6 bytes)',
    '',
    '| backlog | handler | concurrency | kafkit from | V8 flags | seconds | processed | RSS before | RSS peak | RSS end | RSS growth | heap peak | heap end | buffers peak | at the RSS peak: V8 heap committed / young generation / outside the heap |',
    '| ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...list.map(
      (m) =>
        `| ${int(m.backlog)} | ${m.handlerMs} ms | ${m.concurrency} | ${m.build ?? 'source'} | ${m.v8 || '(defaults)'} | ${m.seconds} | ${int(m.processed)} | ${dec(m.rssBefore, 0)} | ${dec(m.rssPeak, 0)} | ${dec(m.rssEnd, 0)} | ${dec(m.rssGrowth, 1)} | ${dec(m.heapPeak, 0)} | ${dec(m.heapEnd, 0)} | ${dec(m.buffersPeak, 0)} | ${m.atPeak ? `${dec(m.atPeak.heapTotal, 0)} / ${dec(m.atPeak.newSpace, 0)} / ${dec(m.atPeak.external, 0)}` : '—'} |`,
    ),
  ]
}

function codecSection(r: CodecResults): string[] {
  const json = r.codecs.json
  const rows = [
    '## 6. Codec cost per record (no network)',
    '',
    `${int(r.records)} records of ${COMMON.recordBytes} B JSON envelopes per run, 64 at a time: \`prepare\` is the producer's validate + envelope + key + encode, \`decode\` the consumer's decode + envelope validation. The registry is asked once per schema, then cached.`,
    '',
    '| codec | value bytes | prepare µs/record (median) | min – max | × json | decode µs/record (median) | min – max | × json |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const [codec, c] of Object.entries(r.codecs)) {
    if (!c) continue
    rows.push(
      `| ${codec} | ${int(c.valueBytes)} | ${dec(c.encodeUs.median)} | ${dec(c.encodeUs.min)} – ${dec(c.encodeUs.max)} | ${dec(ratio(c.encodeUs.median, json?.encodeUs.median))} | ${dec(c.decodeUs.median)} | ${dec(c.decodeUs.min)} – ${dec(c.decodeUs.max)} | ${dec(ratio(c.decodeUs.median, json?.decodeUs.median))} |`,
    )
  }
  return rows
}

export function markdown(r: Results): string {
  const e = r.environment
  const s = r.settings
  const lines = [
    `# kafkit benchmarks (${r.profile.name} run)`,
    '',
    `- Command: \`${e.command}\`, ${e.date}, ${Math.round(r.durationSeconds)} s`,
    ...(r.unfinished?.length
      ? [
          `- **Incomplete**: written ${Math.round(r.durationSeconds)} s into the run, before ${r.unfinished.join(', ')} ran`,
        ]
      : []),
    `- Machine: ${e.cpu}, ${e.cores} cores, ${e.memoryGiB} GiB, ${e.os}; load average (1/5/15 min) before ${e.loadBefore.join(' / ')}, after ${e.loadAfter.join(' / ')}; CPU pressure (PSI some, avg60) before ${e.cpuPressureBefore ?? '?'} %, after ${e.cpuPressureAfter ?? '?'} %`,
    `- Node ${e.node}; Kafka ${e.kafka} (${e.broker}); ${e.java}`,
    `- Libraries: ${Object.entries(e.libraries)
      .map(([name, v]) => `${name} ${v}`)
      .join(', ')}`,
    `- Settings: ${s.recordBytes} B JSON envelopes, acks=${s.acks}, idempotent, compression ${s.compression}, ${s.partitions} partitions, ${s.keys} keys, ${s.batchRecords} records per send / ${s.batchBytes} B batches with linger ${s.lingerMs} ms; consumers: fetch max wait ${s.fetchMaxWaitMs} ms, ${s.fetchMaxBytesPerPartition} B per partition, ${s.maxPollRecords} records buffered`,
    `- Throughput: median of ${r.profile.repeats} runs, each after a warm-up, clients interleaved round by round; one Java or Node measurement at a time`,
    '',
  ]
  if (r.targets.length > 0) {
    lines.push('## Targets', '', '| target | threshold | measured | met |', '| --- | --- | ---: | --- |')
    for (const t of r.targets)
      lines.push(`| ${t.name} | ${t.threshold} | ${t.measured} | ${t.met ? 'yes' : '**no**'} |`)
    lines.push('')
  }
  for (const section of [
    r.producer && producerSection(r.producer),
    r.consumer && consumerSection(r.consumer),
    r.latency && latencySection(r.latency),
    r.pool && poolSection(r.pool, r.profile),
    r.memory && memorySection(r.memory),
    r.outbox && outboxSection(r.outbox),
    r.codec && codecSection(r.codec),
    r.transactions && transactionsSection(r.transactions),
  ]) {
    if (section) lines.push(...section, '')
  }
  return lines.join('\n')
}

export function writeResults(r: Results, dir: URL): { md: string; json: string } {
  mkdirSync(dir, { recursive: true })
  const md = new URL('latest.md', dir)
  const json = new URL('latest.json', dir)
  writeFileSync(md, markdown(r))
  writeFileSync(json, JSON.stringify(r, null, 2) + '\n')
  return { md: md.pathname, json: json.pathname }
}

function outboxSection(o: OutboxResults): string[] {
  const latency = (label: string, x: typeof o.outboxEndToEnd) =>
    `| ${label} | ${dec(x.p50)} | ${dec(x.p90)} | ${dec(x.p99)} | ${dec(x.p999)} | ${dec(x.max)} |`
  return [
    '## 6. Transactional outbox (PostgreSQL)',
    '',
    `A backlog of ${int(o.rows)} rows drained by one relay (batches of ${o.batchSize}); the baseline sends the same records with the producer's raw path in batches of the same size.`,
    '',
    '| path | records/s (median) | min – max | runs |',
    '| --- | ---: | ---: | ---: |',
    `| outbox relay | ${int(o.relay.median)} | ${int(o.relay.min)} – ${int(o.relay.max)} | ${o.relay.runs.length} |`,
    `| producer sendRecords | ${int(o.producer.median)} | ${int(o.producer.min)} – ${int(o.producer.max)} | ${o.producer.runs.length} |`,
    '',
    ...ratioRows([['relay / producer', ratio(o.relay.median, o.producer.median)]]),
    '',
    `End to end at ${int(o.rate)}/s, open loop, one transaction per event, ms from the write being due to a consumer receiving it (longest write start lag ${dec(o.writeLagMs)} ms):`,
    '',
    '| path | p50 | p90 | p99 | p99.9 | max |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    latency('outbox (commit, NOTIFY, relay, Kafka)', o.outboxEndToEnd),
    latency('direct publish', o.directEndToEnd),
    latency('outbox write alone (due → COMMIT returned)', o.writeCommit),
  ]
}

function transactionsSection(x: TransactionsResults): string[] {
  const modes = ['at-least-once', 'transactional', 'transactional-100ms'] as const
  const label = {
    'at-least-once': 'at least once (publish acked, offsets every 1 s)',
    transactional: 'transactional (commitInterval 1 s)',
    'transactional-100ms': 'transactional (commitInterval 100 ms)',
  }
  const t = x.throughput
  return [
    '## 8. Consume-transform-produce: transactions vs at least once',
    '',
    `A backlog of ${int(x.records)} inputs, each echoed with ctx.publish; inputs/s from the service's start to every input offset committed.`,
    '',
    '| path | inputs/s (median) | min – max | runs |',
    '| --- | ---: | ---: | ---: |',
    ...modes.map(
      (m) => `| ${label[m]} | ${int(t[m].median)} | ${int(t[m].min)} – ${int(t[m].max)} | ${t[m].runs.length} |`,
    ),
    '',
    ...ratioRows([
      ['transactional 1 s / at least once', ratio(t.transactional.median, t['at-least-once'].median)],
      ['transactional 100 ms / at least once', ratio(t['transactional-100ms'].median, t['at-least-once'].median)],
    ]),
    '',
    `End to end at ${int(x.rate)}/s, open loop, ms from the input being due to a read_committed consumer receiving the output:`,
    '',
    '| path | p50 | p90 | p99 | p99.9 | max |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...modes.map((m) => {
      const l = x.endToEnd[m]
      return `| ${label[m]} | ${dec(l.p50)} | ${dec(l.p90)} | ${dec(l.p99)} | ${dec(l.p999)} | ${dec(l.max)} |`
    }),
  ]
}
