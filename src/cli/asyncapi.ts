// kafkit asyncapi: the catalog as an AsyncAPI 3.0 document (YAML, or JSON with --json).
import { Command } from 'commander'
import { stringify } from 'yaml'
import { ErrorCodes, KafkitError } from '../errors.ts'
import { asyncApiDocument, type ServiceMap } from '../schema/asyncapi.ts'
import { loadCatalog, loadExport } from './catalog-module.ts'
import type { CliIo } from './io.ts'

interface AsyncApiFlags {
  catalog?: string
  services?: string
  title?: string
  docVersion?: string
  json?: boolean
}

export function asyncapiCommand(io: CliIo): Command {
  return new Command('asyncapi')
    .description(
      'print the catalog as an AsyncAPI 3.0 document: kafkit asyncapi --catalog m.ts#catalog > asyncapi.yaml',
    )
    .option('--catalog <module#export>', 'the catalog module (default: KAFKIT_CATALOG)')
    .option('--services <module#export>', 'what each service publishes and consumes (a ServiceMap), for operations')
    .option('--title <title>', 'the document title')
    .option('--doc-version <version>', 'the document version', '1.0.0')
    .option('--json', 'JSON instead of YAML')
    .action(async (flags: AsyncApiFlags) => {
      const catalog = await loadCatalog(flags.catalog, io)
      const services = flags.services ? await loadServices(flags.services) : undefined
      const doc = asyncApiDocument(catalog, {
        ...(flags.title ? { title: flags.title } : {}),
        ...(flags.docVersion ? { version: flags.docVersion } : {}),
        ...(services ? { services } : {}),
      })
      io.out(asyncApiText(doc, flags.json === true))
    })
}

/** The document as the command prints it (also what the committed example documents hold). */
export function asyncApiText(doc: Record<string, unknown>, json = false): string {
  return json ? JSON.stringify(doc, null, 2) : stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false }).trimEnd()
}

async function loadServices(spec: string): Promise<ServiceMap> {
  const value = await loadExport(spec, (exports) => exports['services'] ?? exports['default'])
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new KafkitError(
      ErrorCodes.CONFIG_INVALID,
      `${spec} is not a service map ({ service: { publishes, consumes } })`,
    )
  }
  return value as ServiceMap
}
