export { withFields } from './logger.ts'
export { createLogger, defaultLogger, silentLogger, type LogFormat, type Logger, type LoggerOptions } from './logger.ts'
