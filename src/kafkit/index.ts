export { createKafkit, Kafkit, type KafkitConsumerOptions, type KafkitOptions } from './kafkit.ts'
