// The producer reports async deliveries to `onDelivery` listeners; it is no EventEmitter any more
// (in kafkit `on` registers a consumer's handler). The EventEmitter-style on/once/off keep working,
// deprecated, with one DeprecationWarning per method and event per process. Failures are injected
// with kafkit/testing's broker: what is tested is who hears a report, not how Kafka fails.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { defineEvent, defineTopic, Producer, silentLogger, type DeliveryReport, type KafkitError } from 'kafkit'
import { InMemoryKafka } from 'kafkit/testing'
import { deprecationsDuring } from '../support/deprecations.ts'

const topic = defineTopic({ name: 'producer.aliases', key: 'id', partitions: 1 })
const Ping = defineEvent({ type: 'ping.sent', version: '1.0', topic, schema: z.object({ id: z.string() }) })

function producerOn(broker: InMemoryKafka) {
  broker.createTopic(topic.name, { partitions: 1 })
  return new Producer({
    client: { brokers: ['127.0.0.1:1'] },
    service: 'aliases',
    logger: silentLogger(),
    transport: broker.transport(),
  })
}

test('onDelivery hears every async delivery, acknowledged or failed, until the function it returns is called', async () => {
  const broker = new InMemoryKafka()
  const producer = producerOn(broker)
  const reports: DeliveryReport[] = []
  const stop = producer.onDelivery((report) => reports.push(report))
  const warnings = await deprecationsDuring(async () => {
    producer.publishAsync(Ping, { id: 'a' })
    await producer.flush()
    broker.failNextProduce(1, 'INVALID_RECORD')
    producer.publishAsync(Ping, { id: 'b' })
    await producer.flush()
    stop()
    producer.publishAsync(Ping, { id: 'c' })
    await producer.flush()
  })
  assert.deepEqual(
    reports.map((r) => r.ok),
    [true, false],
  )
  const [ok, failed] = reports
  assert.ok(ok?.ok && ok.result.status === 'published' && ok.result.offset === 0n)
  assert.ok(failed && !failed.ok && failed.topic === topic.name)
  assert.deepEqual(warnings, [], 'onDelivery is not deprecated')
  // No EventEmitter surface beside the deprecated aliases.
  assert.equal('emit' in producer, false)
  await producer.close()
})

test('the deprecated on/once/off work as before and warn once per method and event', async () => {
  const broker = new InMemoryKafka()
  const producer = producerOn(broker)
  const heard: string[] = []
  const errors: KafkitError[] = []
  const onDelivery = (report: DeliveryReport) => void heard.push(`on:${report.ok}`)
  const warnings = await deprecationsDuring(async () => {
    producer.on('delivery', onDelivery)
    producer.on('delivery', (report) => void heard.push(`on2:${report.ok}`))
    producer.once('delivery', (report) => void heard.push(`once:${report.ok}`))
    producer.on('error', (error) => void errors.push(error))
    producer.publishAsync(Ping, { id: 'a' })
    await producer.flush()
    broker.failNextProduce(1, 'INVALID_RECORD')
    producer.publishAsync(Ping, { id: 'b' })
    await producer.flush()
    producer.off('delivery', onDelivery)
    producer.off('delivery', onDelivery)
    producer.publishAsync(Ping, { id: 'c' })
    await producer.flush()
  })
  assert.deepEqual(heard, ['on:true', 'on2:true', 'once:true', 'on:false', 'on2:false', 'on2:true'])
  assert.equal(errors.length, 1)
  assert.equal(errors[0]!.name, 'PublishError')
  assert.deepEqual(warnings, [
    "Producer.on('delivery') is deprecated: use Producer.onDelivery()",
    "Producer.once('delivery') is deprecated: use Producer.onDelivery()",
    "Producer.on('error') is deprecated: use Producer.onDelivery()",
    "Producer.off('delivery') is deprecated: use the function Producer.onDelivery() returns",
  ])
  await producer.close()
})
