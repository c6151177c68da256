// npm run registry:start | registry:stop | registry:status  [--clean]
import { parseArgs } from 'node:util'
import { ensureRegistry, registryStatus, RegistrySetupError, stopRegistry } from './registry/index.ts'

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { clean: { type: 'boolean', default: false } },
})
const command = positionals[0] ?? 'status'
const log = (line: string) => console.log(`[registry] ${line}`)

async function main(): Promise<number> {
  const external = process.env['SCHEMA_REGISTRY_URL']?.trim()
  switch (command) {
    case 'start': {
      if (external) log(`SCHEMA_REGISTRY_URL is set: using ${external}, starting nothing`)
      const handle = await ensureRegistry({ log })
      log(`${handle.started ? 'started' : 'already running'}: SCHEMA_REGISTRY_URL=${handle.url} (${handle.backend})`)
      return 0
    }
    case 'stop': {
      if (external) {
        log(`SCHEMA_REGISTRY_URL is set (${external}): that registry is not ours to stop`)
        return 0
      }
      if (!(await stopRegistry({ clean: values.clean, log }))) log('no local schema registry was running')
      return 0
    }
    case 'status': {
      const status = await registryStatus()
      log(`${status.external ? 'SCHEMA_REGISTRY_URL' : 'local'}: ${status.url}`)
      if (!status.external) {
        log(`  ${status.pid ? `running, pid ${status.pid}` : 'not running'}; log ${status.log}`)
      }
      log(status.answer.ok ? 'answering' : `not answering: ${status.answer.error ?? 'no answer'}`)
      return status.answer.ok ? 0 : 1
    }
    default:
      throw new RegistrySetupError(`unknown command "${command}": use start, stop or status`)
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[registry] ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  },
)
