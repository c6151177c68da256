// Runs small Java programs against the Kafka client jars, as an independent oracle for tests.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { javaBinary, libsDir } from '../../scripts/kafka/index.ts'

export function javaAvailable(): boolean {
  return javaBinary() !== undefined && existsSync(libsDir())
}

/** Partition and murmur2 hash per key, as computed by the Java client itself. */
export function javaPartitions(keys: string[], partitions: number): { partition: number; murmur2: number }[] {
  const java = javaBinary()
  if (!java) throw new Error('Java 17+ is needed for this check')
  const source = fileURLToPath(new URL('../../scripts/java/PartitionForKey.java', import.meta.url))
  const res = spawnSync(java, ['-cp', `${libsDir()}/*`, source, String(partitions)], {
    input: keys.join('\n') + '\n',
    encoding: 'utf8',
  })
  if (res.status !== 0) throw new Error(`PartitionForKey failed: ${res.stderr}`)
  return res.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [partition, murmur2] = line.split('\t').map(Number)
      return { partition: partition ?? NaN, murmur2: murmur2 ?? NaN }
    })
}
