// server.properties and logging config for the local broker(s), tuned for tests.
import { join } from 'node:path'
import { LOCAL_SASL_USER, nodeDir, nodeIds, portsFor, type Mode, type NodePorts } from './paths.ts'
import { LOCAL_TLS_PASSWORD, type LocalTls } from './tls.ts'

export function serverProperties(mode: Mode, nodeId: number, tls: LocalTls): string {
  const ports = portsFor(mode, nodeId)
  const voters = nodeIds(mode)
    .map((id) => `${id}@127.0.0.1:${portsFor(mode, id).controller}`)
    .join(',')
  const replication = mode === 'single' ? 1 : 3
  const minIsr = mode === 'single' ? 1 : 2
  const plain = `org.apache.kafka.common.security.plain.PlainLoginModule required user_${LOCAL_SASL_USER.username}="${LOCAL_SASL_USER.password}";`
  const scram = 'org.apache.kafka.common.security.scram.ScramLoginModule required;'
  return [
    'process.roles=broker,controller',
    `node.id=${nodeId}`,
    `listeners=${clientListeners(ports)},CONTROLLER://127.0.0.1:${ports.controller}`,
    `advertised.listeners=${clientListeners(ports)}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL',
    `controller.quorum.voters=${voters}`,
    `log.dirs=${join(nodeDir(mode, nodeId), 'data')}`,
    'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    ...['sasl_plaintext', 'sasl_ssl'].flatMap((listener) => [
      `listener.name.${listener}.plain.sasl.jaas.config=${plain}`,
      `listener.name.${listener}.scram-sha-256.sasl.jaas.config=${scram}`,
      `listener.name.${listener}.scram-sha-512.sasl.jaas.config=${scram}`,
    ]),
    // SSL and SASL_SSL: the broker certificate signed by the local CA (see tls.ts); no client certificates.
    `ssl.keystore.location=${tls.keystore}`,
    'ssl.keystore.type=PKCS12',
    `ssl.keystore.password=${LOCAL_TLS_PASSWORD}`,
    `ssl.key.password=${LOCAL_TLS_PASSWORD}`,
    'ssl.client.auth=none',
    'num.partitions=1',
    `default.replication.factor=${replication}`,
    `min.insync.replicas=${minIsr}`,
    `offsets.topic.replication.factor=${replication}`,
    'offsets.topic.num.partitions=10',
    `transaction.state.log.replication.factor=${replication}`,
    `transaction.state.log.min.isr=${minIsr}`,
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'delete.topic.enable=true',
    // Tests create and delete many topics; keep the broker quick to settle.
    'log.segment.bytes=67108864',
    'log.retention.check.interval.ms=60000',
    'unclean.leader.election.enable=false',
    // Notice a stopped broker within a few seconds (fault tests), not the default 9 s.
    'broker.session.timeout.ms=4000',
    'broker.heartbeat.interval.ms=1000',
    '',
  ].join('\n')
}

function clientListeners(ports: NodePorts): string {
  return [
    `PLAINTEXT://127.0.0.1:${ports.client}`,
    `SASL_PLAINTEXT://127.0.0.1:${ports.sasl}`,
    `SSL://127.0.0.1:${ports.ssl}`,
    `SASL_SSL://127.0.0.1:${ports.saslSsl}`,
  ].join(',')
}

export const LOG4J2 = `Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Logger:
      - name: kafka
        level: INFO
      - name: org.apache.kafka
        level: INFO
      - name: state.change.logger
        level: WARN
    Root:
      level: WARN
      AppenderRef:
        - ref: STDOUT
`
