// A consumer in its own process, so that a fault test can SIGKILL or SIGTERM it. Prints "ready"
// once started. Writes "handled <event id> <partition> <key> <seq>" per handled event, before its
// handler returns, and "assigned <partitions>" and "revoked <partitions>" as its partitions change,
// to the handled log at HANDLED_LOG (handled-log.ts: nothing written there is lost on a kill, unlike
// stdout). SIGTERM: drain, commit, leave, exit. REBALANCE_PROTOCOL chooses the rebalance protocol
// (kafkit's default when unset).
import { setTimeout as sleep } from 'node:timers/promises'
import { Consumer, stopOnSignals } from '../../src/consumer/index.ts'
import { createCatalog } from '../../src/catalog/index.ts'
import { createLogger, silentLogger } from '../../src/logging/index.ts'
import type { RebalanceProtocol } from '../../src/consumer/member.ts'
import { HandledLogWriter } from './handled-log.ts'
import { faultEvent } from './support.ts'

const env = (name: string) => {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is required`)
  return value
}

const { Seq } = faultEvent(env('TOPIC'), Number(env('PARTITIONS')))
const log = new HandledLogWriter(env('HANDLED_LOG'))
const consumer = new Consumer({
  client: { brokers: env('KAFKA_BROKERS').split(',') },
  catalog: createCatalog([Seq]),
  service: 'faults',
  group: env('GROUP'),
  // FAULT_LOG=warn (or info, debug) shows what the member went through, on stderr.
  logger: process.env['FAULT_LOG']
    ? createLogger({ level: process.env['FAULT_LOG'], destination: process.stderr })
    : silentLogger(),
  concurrency: 8,
  // Short, so that a killed member's partitions move on within seconds.
  sessionTimeout: 6000,
  heartbeatInterval: 1000,
  ...(process.env['REBALANCE_PROTOCOL'] && {
    rebalanceProtocol: process.env['REBALANCE_PROTOCOL'] as RebalanceProtocol,
  }),
  onAssign: (partitions) => log.write('assigned', partitions.map((p) => p.partition).join(',')),
  onRevoke: (partitions) => log.write('revoked', partitions.map((p) => p.partition).join(',')),
})
const handlerMs = Number(process.env['HANDLER_MS'] ?? '1')
consumer.on(Seq, async (event, ctx) => {
  if (handlerMs > 0) await sleep(handlerMs)
  log.write('handled', event.id, ctx.partition, event.payload.key, event.payload.seq)
})
await consumer.start()
process.stdout.write('ready\n')
stopOnSignals([consumer])
