// How the CLI finds a catalog: `--catalog path/to/module.ts#export` (or KAFKIT_CATALOG). The module
// is imported as the application would import it; without `#export`, its default export or its only
// export that is a catalog is used.
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Catalog } from '../catalog/catalog.ts'
import type { AnyEvent } from '../catalog/event.ts'
import { ErrorCodes, KafkitError, errorMessage } from '../errors.ts'
import type { CliIo } from './io.ts'

export const CATALOG_HINT =
  'pass --catalog path/to/module.ts#export or set KAFKIT_CATALOG (e.g. examples/catalogs/txova.ts#txovaCatalog)'

function usage(message: string, cause?: unknown): KafkitError {
  return new KafkitError(ErrorCodes.CONFIG_INVALID, message, cause === undefined ? {} : { cause })
}

/** The value a `module#export` spec names; `pick` chooses among the exports when no name is given. */
export async function loadExport(
  spec: string,
  pick: (exports: Record<string, unknown>) => unknown,
  cwd = process.cwd(),
): Promise<unknown> {
  const hash = spec.lastIndexOf('#')
  const path = hash < 0 ? spec : spec.slice(0, hash)
  const name = hash < 0 ? undefined : spec.slice(hash + 1)
  let module: Record<string, unknown>
  try {
    module = (await import(pathToFileURL(resolve(cwd, path)).href)) as Record<string, unknown>
  } catch (err) {
    throw usage(`cannot load ${path}: ${errorMessage(err)}`, err)
  }
  if (name !== undefined) {
    if (!(name in module))
      throw usage(`${path} has no export named ${name} (it exports ${Object.keys(module).join(', ')})`)
    return module[name]
  }
  return pick(module)
}

function isCatalog(value: unknown): value is Catalog {
  return (
    value instanceof Catalog ||
    (typeof value === 'object' &&
      value !== null &&
      Array.isArray((value as Catalog).events) &&
      typeof (value as Catalog).versions === 'function')
  )
}

export async function loadCatalog(spec: string | undefined, io: CliIo): Promise<Catalog> {
  const given = spec ?? io.env['KAFKIT_CATALOG']
  if (!given) throw usage(`no catalog: ${CATALOG_HINT}`)
  const value = await loadExport(given, (exports) => {
    if (isCatalog(exports['default'])) return exports['default']
    const catalogs = Object.values(exports).filter(isCatalog)
    if (catalogs.length === 1) return catalogs[0]
    throw usage(
      `${given} exports ${catalogs.length} catalogs: name one, e.g. ${given}#${Object.keys(exports)[0] ?? 'catalog'}`,
    )
  })
  if (isCatalog(value)) return value
  if (Array.isArray(value) && value.every((e) => (e as AnyEvent | undefined)?.kind === 'event')) {
    return new Catalog(value as AnyEvent[])
  }
  throw usage(`${given} is not a catalog (createCatalog([...])) or a list of event definitions`)
}
