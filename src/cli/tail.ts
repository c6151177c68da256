// kafkit tail <topic>: print events as they arrive (decoded envelopes, or what was wrong with them).
import { randomUUID } from 'node:crypto'
import { Command } from 'commander'
import { Consumer, MessagesStreamModes } from '@platformatic/kafka'
import { requireTopic } from '../admin/cluster.ts'
import { wireConnectionOptions } from '../config/client.ts'
import { CodecRegistry } from '../envelope/registry.ts'
import { RegistryDecoder } from '../registry/decoder.ts'
import { nameArg, typeArg, wholeNumber } from './args.ts'
import type { CliContext } from './context.ts'
import { toJson } from './io.ts'
import { matchesRecord, showRecord, type RecordFilter } from './records.ts'
import { registryFrom } from './registry.ts'
import { endReadOnClientError } from '../cluster/group-stream.ts'

interface TailFlags extends RecordFilter {
  fromBeginning?: boolean
  json?: boolean
  count?: number
}

export function tailCommand(ctx: CliContext): Command {
  const { io } = ctx
  return new Command('tail')
    .description('print the events of a topic as they arrive')
    .argument('<topic>')
    .option('--from-beginning', 'start at the oldest record instead of new ones')
    .option('--type <type>', 'only this event type or pattern', (v) => typeArg('--type', v))
    .option('--key <key>', 'only records with this key')
    .option('--correlation-id <id>', 'only events with this correlation id', (v) => nameArg('--correlation-id', v))
    .option('--json', 'print each envelope as JSON')
    .option('--count <n>', 'exit after n events', (v) => wholeNumber('--count', v, { min: 1 }))
    .action(async (topic: string, flags: TailFlags) => {
      await requireTopic(await ctx.admin(), topic)
      const client = await ctx.client()
      // A throw-away group that never commits: tailing leaves no trace on the topic's consumers.
      const consumer = new Consumer({
        ...wireConnectionOptions(client, 'kafkit-tail'),
        groupId: `kafkit-tail-${randomUUID()}`,
      })
      ctx.onClose(() => consumer.close(true))
      const stream = await consumer.consume({
        topics: [topic],
        autocommit: false,
        mode: flags.fromBeginning ? MessagesStreamModes.EARLIEST : MessagesStreamModes.LATEST,
        maxWaitTime: 200,
      })
      endReadOnClientError(consumer, stream)
      const stop = () => void stream.close().catch(() => undefined)
      process.once('SIGINT', stop)
      const registry = new CodecRegistry()
      // Registry-encoded records (Confluent wire format) are decoded when SCHEMA_REGISTRY_URL is set.
      const schemas = registryFrom(undefined, io)
      const framed = schemas ? new RegistryDecoder(schemas) : undefined
      ctx.onClose(() => Promise.resolve(schemas?.close()))
      const limit = flags.count ?? Infinity
      const filtered = flags.type !== undefined || flags.correlationId !== undefined
      let printed = 0
      try {
        for await (const message of stream) {
          const record = await showRecord(registry, message, framed)
          if (!matchesRecord(record, flags)) continue
          const where = `${record.partition}/${record.offset}`
          const envelope = record.envelope
          if (!envelope && filtered) continue
          if (flags.json)
            io.out(
              toJson({
                partition: record.partition,
                offset: record.offset,
                ...(envelope ?? { problem: record.problem }),
              }),
            )
          else if (envelope)
            io.out(
              `${envelope.timestamp}  ${where}  ${envelope.type}@${envelope.version}  id=${envelope.id}  key=${record.key ?? '-'}  correlation=${envelope.correlation_id}`,
            )
          else io.out(`${record.timestamp.toISOString()}  ${where}  (not an event: ${record.problem})`)
          if (++printed >= limit) break
        }
      } finally {
        process.off('SIGINT', stop)
        await stream.close().catch(() => undefined)
      }
    })
}
