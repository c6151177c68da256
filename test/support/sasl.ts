// The local broker's SASL_PLAINTEXT listener (its plaintext port + 2, user kafkit), for tests of
// security settings. A cluster given through KAFKA_BROKERS has none: those tests skip there.
import { LOCAL_SASL_USER } from '../../scripts/kafka/index.ts'
import { brokers } from './kafka.ts'

export function saslBroker(): string {
  const [host, port] = brokers()[0]!.split(':')
  return `${host}:${Number(port) + 2}`
}

export const skipWithoutLocalSasl =
  process.env['KAFKIT_TEST_BACKEND'] === 'external' ? 'the SASL listener is part of the local broker only' : false

/** The variables a service reads to reach the SASL listener. */
export function saslEnv(mechanism: string, password: string): NodeJS.ProcessEnv {
  return {
    KAFKA_BROKERS: saslBroker(),
    KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
    KAFKA_SASL_MECHANISM: mechanism,
    KAFKA_SASL_USERNAME: LOCAL_SASL_USER.username,
    KAFKA_SASL_PASSWORD: password,
  }
}
