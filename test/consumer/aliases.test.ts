// Deprecated names keep working and warn once per process: Consumer.stop() is Consumer.close().
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { Consumer, createCatalog, defineEvent, defineTopic, silentLogger } from 'kafkit'

const topic = defineTopic({ name: 'aliases.v1', key: 'id' })
const Ping = defineEvent({ type: 'ping.sent', version: '1.0', topic, schema: z.object({ id: z.string() }) })

test('Consumer.stop() closes the consumer like close(), with one DeprecationWarning per process', async () => {
  const warnings: Error[] = []
  const listen = (warning: Error) => void warnings.push(warning)
  process.on('warning', listen)
  try {
    const consumer = (group: string) =>
      new Consumer({
        client: { brokers: ['127.0.0.1:1'] },
        catalog: createCatalog([Ping]),
        service: 'aliases',
        group,
        logger: silentLogger(),
      })
    const first = consumer('aliases-1')
    await first.stop()
    await first.stop()
    await consumer('aliases-2').stop()
    await consumer('aliases-3').close()
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve))
    const ours = warnings.filter((w) => (w as Error & { code?: string }).code === 'KAFKIT_DEPRECATED')
    assert.equal(ours.length, 1)
    assert.equal(ours[0]!.name, 'DeprecationWarning')
    assert.equal(ours[0]!.message, 'Consumer.stop() is deprecated: use Consumer.close()')
    // A closed consumer does not start again, whichever verb closed it.
    await assert.rejects(first.start())
  } finally {
    process.off('warning', listen)
  }
})
