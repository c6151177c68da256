// kafkit schema push | check | show: the catalog's schemas in the registry, the versioning rules.
import { Command } from 'commander'
import { ErrorCodes, KafkitError } from '../errors.ts'
import { registrySchemaOf } from '../registry/codec.ts'
import { checkCatalog, formatFinding, registryCodecOf } from '../schema/check.ts'
import { pushSchemas } from '../schema/push.ts'
import { scanPublished } from '../schema/published.ts'
import { loadCatalog } from './catalog-module.ts'
import { clientFrom, type CliIo } from './io.ts'
import { registryFrom, requireRegistry } from './registry.ts'

interface SchemaFlags {
  catalog?: string
  registryUrl?: string
}

interface CheckFlags extends SchemaFlags {
  local?: boolean
  published?: boolean
  now?: string
}

export function schemaCommand(io: CliIo, brokers: () => string | undefined): Command {
  const schema = new Command('schema').description("the catalog's schemas: register them, check the versioning rules")
  const common = (command: Command) =>
    command
      .option('--catalog <module#export>', 'the catalog module (default: KAFKIT_CATALOG)')
      .option('--registry-url <url>', 'the schema registry (default: SCHEMA_REGISTRY_URL)')

  common(schema.command('push'))
    .description("register every event version's schema under its subject, oldest first")
    .action(async (flags: SchemaFlags) => {
      const catalog = await loadCatalog(flags.catalog, io)
      const registry = requireRegistry(flags.registryUrl, io)
      try {
        const results = await pushSchemas(catalog, registry)
        for (const r of results) {
          io.out(
            r.id === undefined
              ? `✖ ${r.event} v${r.version} → ${r.subject}: ${r.error?.message}`
              : `${r.event} v${r.version} → ${r.subject} (id ${r.id})`,
          )
        }
        const failed = results.filter((r) => r.id === undefined).length
        if (failed > 0)
          throw new KafkitError(
            ErrorCodes.SCHEMA_INCOMPATIBLE,
            `${failed} of ${results.length} schema(s) not registered`,
          )
        io.out(`${results.length} schema(s) registered at ${registry.url}`)
      } finally {
        registry.close()
      }
    })

  common(schema.command('check'))
    .description('check the versioning rules, locally and against the registry (and, with --published, the topics)')
    .option('--local', 'check the catalog alone, not the registry')
    .option('--published', 'look for deprecated versions still published after their window (reads the topics)')
    .option('--now <date>', 'the date deprecation windows are judged at (default: today)')
    .action(async (flags: CheckFlags) => {
      const catalog = await loadCatalog(flags.catalog, io)
      const registry = flags.local ? undefined : registryFrom(flags.registryUrl, io)
      const now = flags.now === undefined ? new Date() : new Date(flags.now)
      if (Number.isNaN(now.getTime()))
        throw new KafkitError(ErrorCodes.CONFIG_INVALID, `--now ${flags.now} is not a date`)
      const client = flags.published ? clientFrom(brokers(), io) : undefined
      try {
        const findings = await checkCatalog(catalog, {
          now,
          ...(registry ? { registry } : {}),
          ...(client ? { published: (targets) => scanPublished(client, targets) } : {}),
        })
        for (const finding of findings) io.out(formatFinding(finding))
        const where = [
          'the catalog',
          ...(registry ? [`the registry at ${registry.url}`] : []),
          ...(client ? ['the topics'] : []),
        ].join(', ')
        if (findings.length > 0) {
          throw new KafkitError(
            ErrorCodes.SCHEMA_INCOMPATIBLE,
            `schema check failed: ${findings.length} problem(s) (checked ${where})`,
          )
        }
        io.out(`${catalog.events.length} event version(s) of ${catalog.types().length} type(s) pass (checked ${where})`)
      } finally {
        registry?.close()
      }
    })

  schema
    .command('show')
    .description('print the schema an event version is registered with')
    .option('--catalog <module#export>', 'the catalog module (default: KAFKIT_CATALOG)')
    .argument('<type>', 'the event type')
    .argument('[version]', 'the version (default: the latest)')
    .action(async (type: string, version: string | undefined, flags: SchemaFlags) => {
      const catalog = await loadCatalog(flags.catalog, io)
      const event =
        version === undefined ? catalog.latest(type) : catalog.versions(type).find((e) => e.version === version)
      if (!event)
        throw new KafkitError(
          ErrorCodes.UNKNOWN_EVENT_TYPE,
          `the catalog has no ${type}${version ? ` v${version}` : ''}`,
        )
      const schema = registrySchemaOf(event, registryCodecOf(event))
      io.out(JSON.stringify(JSON.parse(schema.schema), null, 2))
    })
  return schema
}
