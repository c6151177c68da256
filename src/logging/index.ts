export { defaultLogger, silentLogger, type Logger } from './logger.ts'
