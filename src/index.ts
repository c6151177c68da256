// kafkit: the public face of the SDK. Each capability folder re-exports through its own index.ts.
export const VERSION = '0.1.0'

export * from './errors.ts'
export * from './envelope/index.ts'
export * from './context/index.ts'
export * from './catalog/index.ts'
export * from './config/index.ts'
export * from './logging/index.ts'
export * from './producer/index.ts'
export * from './admin/index.ts'
export * from './consumer/index.ts'
export * from './kafkit/index.ts'
export { parseDuration, formatDuration, type Duration } from './util/duration.ts'
