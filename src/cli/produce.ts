// kafkit produce: one event from the catalog (its payload validated against the event's schema,
// wrapped in the envelope, keyed like the services key it), or one raw record.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { Command } from 'commander'
import { requireTopic } from '../admin/cluster.ts'
import type { AnyEvent } from '../catalog/event.ts'
import { silentLogger } from '../logging/logger.ts'
import { Producer } from '../producer/producer.ts'
import type { PublishOptions } from '../producer/types.ts'
import { nameArg, pairArg, typeArg } from './args.ts'
import { loadCatalog } from './catalog-module.ts'
import type { CliContext } from './context.ts'
import { usageError } from './exit.ts'
import { toJson } from './io.ts'

interface ProduceFlags {
  catalog?: string
  type?: string
  eventVersion?: string
  payload?: string
  payloadFile?: string
  raw?: boolean
  value?: string
  valueFile?: string
  key?: string
  correlationId?: string
  header?: [string, string][]
  json?: boolean
}

export function produceCommand(ctx: CliContext): Command {
  const { io } = ctx
  return new Command('produce')
    .description('publish one event of the catalog (payload validated), or one raw record with --raw')
    .argument('[topic]', "the topic (default: the event's topic in the catalog; required with --raw)")
    .option('--catalog <module#export>', 'the catalog module (default: KAFKIT_CATALOG)')
    .option('--type <type>', 'the event type, e.g. order.created', (v) => typeArg('--type', v))
    .option('--event-version <version>', "the event's version (default: the latest in the catalog)")
    .option('--payload <json>', 'the payload as JSON')
    .option('--payload-file <path>', 'the payload from a JSON file')
    .option('--raw', 'send a raw record: --value (or --value-file), --key and --header as given')
    .option('--value <text>', 'the raw value')
    .option('--value-file <path>', 'the raw value from a file (bytes as they are)')
    .option('--key <key>', "the record key (default for events: the topic's key field)", (v) => nameArg('--key', v))
    .option('--correlation-id <id>', 'the correlation id (default: a new one)', (v) => nameArg('--correlation-id', v))
    .option('--header <name=value>', 'an extra header (repeatable)', (v, previous: [string, string][] = []) => [
      ...previous,
      pairArg('--header', v),
    ])
    .option('--json', 'the result as JSON')
    .action(async (topic: string | undefined, flags: ProduceFlags) => {
      const headers = Object.fromEntries(flags.header ?? [])
      const result = flags.raw
        ? await produceRaw(ctx, topic, flags, headers)
        : await produceEvent(ctx, topic, flags, headers)
      io.out(
        flags.json
          ? toJson(result)
          : `${result.eventId ? `${result.eventId} ` : ''}written to ${result.topic} partition ${result.partition} offset ${result.offset}`,
      )
    })
}

interface Produced {
  topic: string
  partition: number
  offset: bigint
  eventId?: string
}

async function produceEvent(
  ctx: CliContext,
  topic: string | undefined,
  flags: ProduceFlags,
  headers: Record<string, string>,
): Promise<Produced> {
  if (flags.value !== undefined || flags.valueFile !== undefined)
    throw usageError('--value and --value-file need --raw')
  if (!flags.type) throw usageError('--type is required for an event (or send a raw record with --raw)')
  const catalog = await loadCatalog(flags.catalog, ctx.io)
  const versions = catalog.versions(flags.type)
  if (versions.length === 0) {
    throw usageError(`the catalog has no event ${flags.type} (it has ${catalog.types().join(', ') || 'none'})`)
  }
  const event: AnyEvent | undefined =
    flags.eventVersion === undefined ? catalog.latest(flags.type) : catalog.find(flags.type, flags.eventVersion)
  if (!event) {
    throw usageError(
      `the catalog has no version ${flags.eventVersion} of ${flags.type} (it has ${versions.map((v) => v.version).join(', ')})`,
    )
  }
  if (topic !== undefined && topic !== event.topic.name) {
    throw usageError(`${flags.type} is published to ${event.topic.name}, not ${topic}: leave the topic out`)
  }
  const payload = jsonOf(ctx, flags.payload, flags.payloadFile)
  const client = await ctx.client()
  await requireTopic(await ctx.admin(), event.topic.name)
  const producer = new Producer({
    client,
    service: 'kafkit-cli',
    logger: silentLogger(),
    topics: catalog.topics(),
    deliveryTimeout: ctx.timeoutMs,
  })
  ctx.onClose(() => producer.close())
  const options: PublishOptions = {
    ...(flags.key !== undefined && { key: flags.key }),
    ...(flags.correlationId !== undefined && { correlationId: flags.correlationId }),
    ...(Object.keys(headers).length > 0 && { headers }),
  }
  const published = await producer.publish(event, payload, options)
  if (published.status !== 'published') throw new Error(`${flags.type} was not published (${published.status})`)
  return {
    topic: published.topic,
    partition: published.partition,
    offset: published.offset,
    eventId: published.eventId,
  }
}

async function produceRaw(
  ctx: CliContext,
  topic: string | undefined,
  flags: ProduceFlags,
  headers: Record<string, string>,
): Promise<Produced> {
  if (!topic) throw usageError('a raw record needs its topic: kafkit produce <topic> --raw --value ...')
  if (flags.type !== undefined || flags.payload !== undefined || flags.payloadFile !== undefined)
    throw usageError('--type and --payload make an event: leave out --raw, or give --value')
  if ((flags.value === undefined) === (flags.valueFile === undefined))
    throw usageError('a raw record needs exactly one of --value or --value-file')
  const value =
    flags.value !== undefined ? Buffer.from(flags.value) : readFileSync(resolve(ctx.io.cwd ?? '.', flags.valueFile!))
  const client = await ctx.client()
  await requireTopic(await ctx.admin(), topic)
  const producer = new Producer({
    client,
    service: 'kafkit-cli',
    logger: silentLogger(),
    deliveryTimeout: ctx.timeoutMs,
  })
  ctx.onClose(() => producer.close())
  const [sent] = await producer.sendRecords([{ topic, key: flags.key, value, headers }])
  return { topic, partition: sent!.partition, offset: sent!.offset }
}

function jsonOf(ctx: CliContext, text: string | undefined, file: string | undefined): unknown {
  if ((text === undefined) === (file === undefined))
    throw usageError("an event needs exactly one of --payload '<json>' or --payload-file <path>")
  const source = text ?? readFileSync(resolve(ctx.io.cwd ?? '.', file!), 'utf8')
  try {
    return JSON.parse(source) as unknown
  } catch (error) {
    throw usageError(`${text !== undefined ? '--payload' : file} is not JSON: ${(error as Error).message}`)
  }
}
