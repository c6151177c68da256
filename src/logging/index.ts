export { createLogger, defaultLogger, silentLogger, type LogFormat, type Logger, type LoggerOptions } from './logger.ts'
