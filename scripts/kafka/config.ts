// server.properties and logging config for the local broker(s), tuned for tests.
import { join } from 'node:path'
import { LOCAL_SASL_USER, nodeDir, nodeIds, portsFor, type Mode } from './paths.ts'

export function serverProperties(mode: Mode, nodeId: number): string {
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
    `listeners=PLAINTEXT://127.0.0.1:${ports.client},CONTROLLER://127.0.0.1:${ports.controller},SASL_PLAINTEXT://127.0.0.1:${ports.sasl}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${ports.client},SASL_PLAINTEXT://127.0.0.1:${ports.sasl}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
    `controller.quorum.voters=${voters}`,
    `log.dirs=${join(nodeDir(mode, nodeId), 'data')}`,
    'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    `listener.name.sasl_plaintext.plain.sasl.jaas.config=${plain}`,
    `listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=${scram}`,
    `listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=${scram}`,
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
