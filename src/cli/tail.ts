// kafkit tail <topic>: print events as they arrive (decoded envelopes, or what was wrong with them).
import { randomUUID } from 'node:crypto'
import { Command } from 'commander'
import { Consumer, MessagesStreamModes } from '@platformatic/kafka'
import { matchesPattern } from '../catalog/pattern.ts'
import { wireConnectionOptions } from '../config/client.ts'
import { decodeEnvelope, decodeFramedEnvelope } from '../consumer/decode.ts'
import { isFramed } from '../registry/codec.ts'
import { RegistryDecoder } from '../registry/decoder.ts'
import { headersToStrings } from '../envelope/headers.ts'
import { CodecRegistry } from '../envelope/registry.ts'
import { errorMessage } from '../errors.ts'
import { clientFrom, type CliIo } from './io.ts'
import { registryFrom } from './registry.ts'

interface TailFlags {
  fromBeginning?: boolean
  type?: string
  json?: boolean
  count?: string
}

export function tailCommand(io: CliIo, brokers: () => string | undefined): Command {
  return new Command('tail')
    .description('print the events of a topic as they arrive')
    .argument('<topic>')
    .option('--from-beginning', 'start at the oldest record instead of new ones')
    .option('--type <type>', 'only this event type or pattern')
    .option('--json', 'print each envelope as JSON')
    .option('--count <n>', 'exit after n events')
    .action(async (topic: string, flags: TailFlags) => {
      const client = clientFrom(brokers(), io)
      // A throw-away group that never commits: tailing leaves no trace on the topic's consumers.
      const consumer = new Consumer({
        ...wireConnectionOptions(client, 'kafkit-tail'),
        groupId: `kafkit-tail-${randomUUID()}`,
      })
      const stream = await consumer.consume({
        topics: [topic],
        autocommit: false,
        mode: flags.fromBeginning ? MessagesStreamModes.EARLIEST : MessagesStreamModes.LATEST,
        maxWaitTime: 200,
      })
      const stop = () => void stream.close().catch(() => undefined)
      process.once('SIGINT', stop)
      const registry = new CodecRegistry()
      // Registry-encoded records (Confluent wire format) are decoded when SCHEMA_REGISTRY_URL is set.
      const schemas = registryFrom(undefined, io)
      const framed = schemas ? new RegistryDecoder(schemas) : undefined
      const limit = flags.count === undefined ? Infinity : Number(flags.count)
      let printed = 0
      try {
        for await (const message of stream) {
          const where = `${message.partition}/${message.offset}`
          try {
            const headers = headersToStrings(message.headers)
            const envelope = isFramed(message.value)
              ? await decodeFramedEnvelope(framed, message.value, headers, {
                  topic,
                  timestamp: new Date(Number(message.timestamp)),
                })
              : decodeEnvelope(registry, message.value, headers)
            if (flags.type && !matchesPattern(flags.type, envelope.type)) continue
            io.out(
              flags.json
                ? JSON.stringify({ partition: message.partition, offset: message.offset.toString(), ...envelope })
                : `${envelope.timestamp}  ${where}  ${envelope.type}@${envelope.version}  id=${envelope.id}  key=${message.key?.toString() ?? '-'}  correlation=${envelope.correlation_id}`,
            )
          } catch (error) {
            if (flags.type) continue
            io.out(
              `${new Date(Number(message.timestamp)).toISOString()}  ${where}  (not an event: ${errorMessage(error)})`,
            )
          }
          if (++printed >= limit) break
        }
      } finally {
        process.off('SIGINT', stop)
        schemas?.close()
        await stream.close().catch(() => undefined)
        await consumer.close(true).catch(() => undefined)
      }
    })
}
