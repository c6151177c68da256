export { createKafkit, Kafkit, type KafkitConsumerOptions, type KafkitOptions } from './kafkit.ts'
export { checkConnection, type CheckConnectionOptions, type ConnectionInfo } from './connect.ts'
