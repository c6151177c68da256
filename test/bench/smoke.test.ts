// Keeps `npm run bench` working: tiny pieces of every scenario (seconds, not minutes) against the
// test broker, checking that each produces sane figures; and the Java tools' output parsers.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { RunContext } from '../../bench/lib/context.ts'
import {
  javaToolsAvailable,
  parseConsumerPerformance,
  parseEndToEndLatency,
  parseProducerPerformance,
  producerPerformance,
} from '../../bench/lib/java.ts'
import { deleteTopics } from '../../bench/lib/kafka.ts'
import { javaLatencyAvailable, parallelConsumerBuilt } from '../../bench/lib/peers.ts'
import { markdown, targets, type Results } from '../../bench/lib/report.ts'
import { COMMON, type Profile } from '../../bench/lib/settings.ts'
import { environment } from '../../bench/lib/env.ts'
import { CODECS, codecScenario } from '../../bench/scenarios/codec.ts'
import { CONSUMER_CLIENTS, consumerScenario } from '../../bench/scenarios/consumer.ts'
import { latencyScenario } from '../../bench/scenarios/latency.ts'
import { memoryScenario } from '../../bench/scenarios/memory.ts'
import { outboxScenario } from '../../bench/scenarios/outbox.ts'
import { poolScenario, type PoolCase } from '../../bench/scenarios/pool.ts'
import { PRODUCER_CLIENTS, producerScenario } from '../../bench/scenarios/producer.ts'
import { brokers } from '../support/kafka.ts'
import { registryUrl } from '../support/registry.ts'

const TINY: Profile = {
  name: 'quick',
  repeats: 1,
  producer: { records: 400, warmup: 64 },
  consumer: { records: 600, warmup: 100 },
  latency: { rates: [200], seconds: 2, warmupSeconds: 1, repeats: 1 },
  pool: {
    seconds: 0.5,
    handlerMs: 10,
    keys: [1000],
    concurrency: [10],
    partitions: [1],
    maxRecords: 1000,
    peerSeconds: 3,
    kill: { records: 400, partitions: 2, concurrency: 10 },
  },
  memory: { backlog: 2000, seconds: 2, handlerMs: 1, concurrency: [10] },
  outbox: { rows: 600, rate: 200, seconds: 2, warmupSeconds: 1 },
  codec: { records: 300 },
}

function context(t: TestContext, java = false): RunContext {
  process.env['KAFKA_BROKERS'] ??= brokers().join(',')
  const ctx = new RunContext({ profile: TINY, bootstrap: brokers().join(','), java, log: () => undefined })
  t.after(() => deleteTopics(ctx.topics))
  return ctx
}

test('producer: every Node client reports a positive rate', { timeout: 60_000 }, async (t) => {
  const result = await producerScenario(context(t))
  for (const client of PRODUCER_CLIENTS) assert.ok(result.clients[client]!.median > 0, client)
})

test('consumer: every Node client reads the whole backlog', { timeout: 60_000 }, async (t) => {
  const result = await consumerScenario(context(t))
  assert.equal(result.records, TINY.consumer.records)
  for (const client of CONSUMER_CLIENTS) {
    assert.ok(result.clients[client]!.median > 0, client)
    assert.ok(result.cpu[client]!.median > 0, `${client} CPU per record`)
  }
})

test('latency: every scheduled record is acknowledged and consumed', { timeout: 60_000 }, async (t) => {
  const { rates } = await latencyScenario(context(t))
  const entry = rates[0]!
  assert.equal(entry.failures, 0)
  // The warm-up second is discarded: the other second's records are in the histograms.
  assert.equal(entry.publishAck.count, 200)
  assert.equal(entry.endToEnd.count, 200)
  assert.ok(entry.publishAck.p50 > 0 && entry.endToEnd.p50 >= entry.publishAck.p50 * 0.1)
  // The raw client ran the same schedule: every record acknowledged and consumed.
  assert.equal(entry.raw?.failures, 0)
  assert.equal(entry.raw?.publishAck.count, 200)
  assert.equal(entry.raw?.endToEnd.count, 200)
  assert.match(markdown(report({ latency: { rates } })), /\| 200\/s \| raw @platformatic\/kafka \|/)
})

test(
  'pool: handlers overlap and keep per-key order; kafkajs runs on the same records',
  // Five consumer processes, two of them waiting out a killed member's 6 s session.
  { timeout: 150_000 },
  async (t) => {
    const { cases, kills, skipped } = await poolScenario(context(t))
    assert.deepEqual(
      cases.map((c) => c.client),
      ['kafkit', 'kafkajs'],
    )
    assert.ok(skipped['parallel-consumer'])
    const [kafkit, kafkajs] = cases as [PoolCase, PoolCase]
    assert.equal(kafkit.orderViolations, 0)
    assert.ok(kafkit.complete && kafkit.records === 500)
    assert.ok(kafkit.peakConcurrency > 1 && kafkit.peakConcurrency <= 10)
    assert.ok(kafkit.efficiency > 0 && kafkit.efficiency <= 1.05, `efficiency ${kafkit.efficiency}`)
    // One partition: kafkajs runs one handler at a time whatever partitionsConsumedConcurrently says.
    assert.equal(kafkajs.orderViolations, 0)
    assert.equal(kafkajs.peakConcurrency, 1)
    assert.ok(
      kafkajs.records > 0 && kafkajs.efficiency > 0 && kafkajs.efficiency <= 0.15,
      `kafkajs ${kafkajs.efficiency}`,
    )
    // Killed after 200 finished records: the next member handles again at most those (the uncommitted).
    const [kill] = kills
    assert.equal(kill?.client, 'kafkit')
    assert.equal(kill.killedAfter, 200)
    assert.ok(kill.redelivered >= 0 && kill.redelivered <= 200, `redelivered ${kill.redelivered}`)
  },
)

// The harness is built with Maven into the kafkit cache by `npm run bench` (about 10 s with a warm
// ~/.m2, longer on a fresh machine): npm test runs it when it is built and does not build it.
test(
  'pool: Parallel Consumer keeps per-key order on the same records',
  {
    timeout: 240_000,
    skip: !parallelConsumerBuilt() && 'the Parallel Consumer harness is not built (npm run bench builds it)',
  },
  async (t) => {
    const { cases, kills } = await poolScenario(context(t, true))
    const pc = cases.find((c) => c.client === 'parallel-consumer')
    assert.ok(pc, 'a Parallel Consumer row')
    assert.equal(pc.orderViolations, 0)
    assert.ok(pc.peakConcurrency > 1 && pc.peakConcurrency <= 10, `peak ${pc.peakConcurrency}`)
    assert.ok(pc.records > 0 && pc.efficiency > 0 && pc.efficiency <= 1.05, `efficiency ${pc.efficiency}`)
    const kill = kills.find((k) => k.client === 'parallel-consumer')
    assert.ok(kill && kill.redelivered >= 0 && kill.redelivered <= kill.killedAfter, JSON.stringify(kill))
    assert.match(
      markdown(report({ pool: { cases, kills: [], skipped: {} } })),
      /\| 1,000 \| 1 \| 10 \| [\d.]+ \| [\d.]+ \|/,
    )
  },
)

test(
  'latency: the Java client runs the same open-loop schedule',
  { timeout: 120_000, skip: !javaLatencyAvailable() && 'needs Java 17+ and the Kafka jars' },
  async (t) => {
    const { rates } = await latencyScenario(context(t, true))
    const java = rates[0]!.java
    assert.ok(java, 'a Java row')
    assert.equal(java.failures, 0)
    assert.equal(java.publishAck.count, 200)
    assert.equal(java.endToEnd.count, 200)
    assert.ok(java.endToEnd.p50 > 0 && java.endToEnd.max >= java.endToEnd.p50)
    assert.match(markdown(report({ latency: { rates } })), /\| 200\/s \| Java kafka-clients [\d.]+ \|/)
  },
)

test('memory: the backlog is worked through and sampled', { timeout: 60_000 }, async (t) => {
  const [result] = await memoryScenario(context(t))
  assert.ok(result)
  assert.ok(result.processed > 0)
  assert.ok(result.samples.length >= 4)
  assert.ok(result.rssPeak >= result.rssEnd && result.rssPeak > 0)
  // As an application runs kafkit: its build, from JavaScript (no TypeScript loader in the process).
  assert.equal(result.build, 'dist')
  assert.equal(result.child, 'javascript')
  assert.ok(result.atPeak.newSpace > 0 && result.atPeak.heapTotal >= result.atPeak.heapUsed)
  assert.ok(result.cpuPerRecordUs > 0)
})

test('outbox: the relay drains the backlog and every scheduled write is consumed', { timeout: 90_000 }, async (t) => {
  const result = await outboxScenario(context(t))
  assert.equal(result.rows, TINY.outbox.rows)
  assert.ok(result.relay.median > 0 && result.producer.median > 0)
  // The warm-up second is discarded: the other second's records are in the histograms.
  assert.equal(result.outboxEndToEnd.count, 200)
  assert.equal(result.directEndToEnd.count, 200)
  // The writes' own part, due to COMMIT returned: a writer that falls behind shows here, not only
  // in the end-to-end figure (the start lag alone hid an 11 s queue in the writer's pool).
  assert.equal(result.writeCommit.count, 200)
  // A write's commit is part of its end-to-end time, but the two are timed in different processes
  // (the writer's clock, and the consumer's against the due time stamped in the record), whose
  // clocks may differ by a few milliseconds; the typical commit stays under the slow end to end.
  assert.ok(
    result.writeCommit.p50 <= result.outboxEndToEnd.p99,
    `commit p50 ${result.writeCommit.p50} ms, end to end p50 ${result.outboxEndToEnd.p50} / p99 ${result.outboxEndToEnd.p99} ms`,
  )
})
test(
  'codec: each codec reports its cost per record; the registry values are smaller (no envelope)',
  { timeout: 60_000 },
  async (t) => {
    const result = await codecScenario(context(t), registryUrl())
    for (const codec of CODECS) {
      const c = result.codecs[codec]!
      assert.ok(c.encodeUs.median > 0 && c.decodeUs.median > 0, codec)
    }
    assert.ok(result.codecs['registry-json']!.valueBytes < result.codecs.json!.valueBytes)
    assert.ok(result.codecs['registry-avro']!.valueBytes < result.codecs['registry-json']!.valueBytes)
    assert.ok(result.codecs['registry-protobuf']!.valueBytes < result.codecs['registry-json']!.valueBytes)
    const md = markdown({
      environment: environment('npm run bench -- --only=codec', 'test'),
      profile: TINY,
      settings: COMMON,
      durationSeconds: 1,
      codec: result,
      targets: [],
    })
    assert.match(md, /## 6\. Codec cost per record/)
    assert.match(md, /\| registry-avro \| [\d,]+ \| [\d.]+ \| [\d.]+ – [\d.]+ \| [\d.]+ \|/)
  },
)

test('report: targets and the markdown table from results', () => {
  const base = {
    environment: environment('npm run bench -- --quick', 'test'),
    profile: TINY,
    settings: COMMON,
    durationSeconds: 1,
    producer: {
      clients: { raw: spreadOf(100), kafkitBatch: spreadOf(95), kafkitAsync: spreadOf(80) },
      java: [],
    },
  }
  const list = targets(base)
  assert.deepEqual(
    list.map((t) => [t.name, t.met]),
    [
      ['kafkit/raw publish (publishBatch)', true],
      ['kafkit/raw publish (publishAsync)', false],
    ],
  )
  const md = markdown({ ...base, targets: list })
  assert.match(md, /\| kafkit\/raw publish \(publishAsync\) \| ≥ 0\.95 \| 0\.80 \| \*\*no\*\* \|/)
  assert.match(md, /## 1\. Producer throughput/)
  assert.doesNotMatch(md, /Incomplete/)
  const cut = markdown({ ...base, unfinished: ['memory', 'codec'], targets: list })
  assert.match(cut, /\*\*Incomplete\*\*: written 1 s into the run, before memory, codec ran/)
})

test('Java tool output parsers', () => {
  const produced = parseProducerPerformance(
    '20000 records sent, 19084.0 records/sec (18.64 MB/sec), 102.93 ms avg latency, 487.00 ms max latency, 102 ms 50th, 160 ms 95th, 169 ms 99th, 176 ms 99.9th.',
  )
  assert.equal(produced.recordsPerSec, 19084)
  assert.equal(produced.p999, 176)
  const consumed = parseConsumerPerformance(
    'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec\n' +
      '2026-11-22 17:53:50:222, 2026-11-22 17:53:51:002, 19.5313, 25.0401, 20000, 25641.0256, 465, 315, 62.0040, 63492.0635\n',
  )
  assert.equal(consumed.messages, 20000)
  assert.equal(consumed.fetchMsgsPerSec, 63492.0635)
  const e2e = parseEndToEndLatency(
    '0\t138.4\nAvg latency: 1.9484 ms\nPercentiles: 50th = 0, 99th = 16, 99.9th = 76\n',
    2000,
  )
  assert.deepEqual(e2e, { messages: 2000, avgMs: 1.9484, p50: 0, p99: 16, p999: 76 })
})

test('Java ProducerPerformance runs from the Kafka jars', { timeout: 60_000 }, async (t) => {
  if (!javaToolsAvailable()) return t.skip('no Java or Kafka jars')
  const ctx = context(t)
  const topic = await ctx.topic('smoke-java', 1)
  const result = await producerPerformance(ctx.bootstrap, topic, 200)
  assert.equal(result.records, 200)
  assert.ok(result.recordsPerSec > 0)
})

function report(parts: Partial<Results>): Results {
  return {
    environment: environment('npm run bench', 'test'),
    profile: TINY,
    settings: COMMON,
    durationSeconds: 1,
    targets: [],
    ...parts,
  }
}

function spreadOf(value: number) {
  return { median: value, min: value, max: value, runs: [value] }
}
