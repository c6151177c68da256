// The entry point of each service program: load the configuration (an error exits with the
// message, nothing started), set up OpenTelemetry, start, log where it listens and where its metrics
// are, stop gracefully on SIGTERM / SIGINT (the telemetry last, so the final spans are exported).
import { ConfigError, createLogger, loadConfig, stopOnSignals, type KafkitConfig } from 'kafkit'
import { formatConfig } from 'kafkit/config'
import { DEFAULT_NAMESPACE } from '../flow.ts'
import type { RunningService, ServiceOptions } from './service.ts'
import { startTelemetry } from './telemetry.ts'

/** The flow's topic namespace; `shop` unless ORDER_SYSTEM_NAMESPACE says otherwise (tests, side-by-side demos). */
export function namespaceFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env['ORDER_SYSTEM_NAMESPACE'] || DEFAULT_NAMESPACE
}

export async function main(
  name: string,
  defaults: Record<string, unknown>,
  start: (options: ServiceOptions) => Promise<RunningService>,
): Promise<void> {
  let config: KafkitConfig
  try {
    config = loadConfig({ defaults })
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(`${name}: ${error.message}`)
    process.exit(2)
  }
  const logger = createLogger({ ...config.log, name })
  // Debug level shows every setting and its source, secrets redacted.
  logger.debug({ file: config.file }, `configuration:\n${formatConfig(config)}`)
  try {
    const telemetry = startTelemetry(name)
    const service = await start({ config, logger, namespace: namespaceFromEnv(), metrics: telemetry.metricsHandler })
    logger.info(
      {
        metrics: telemetry.metricsHandler ? `${service.url}/metrics` : undefined,
        traces: telemetry.exporters.traces,
        metricExporters: telemetry.exporters.metrics,
      },
      'telemetry',
    )
    stopOnSignals([service, telemetry], { logger })
  } catch (error) {
    logger.fatal({ err: error }, `${name} could not start: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  }
}
