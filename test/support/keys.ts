// Partition keys as applications write them: ASCII ids, UTF-8 text, numbers, UUIDs, the empty key,
// and a few chosen edges (a key whose FNV-1a hash is the minimum int32, keys longer than a block).
import { randomUUID } from 'node:crypto'

/** The key whose FNV-1a hash is 0x80000000, the minimum int32 (sarama's test of that edge). */
export const FNV1A_MIN_INT32_KEY = '1468509572224'

/** Exactly 1,000 keys; none contains a tab or a newline (kcat reads records line by line). */
export function sampleKeys(): string[] {
  const ascii = ['a', 'user-1', 'ride_42', ' spaced key ', 'a:b;c,d=e', '~!@#$%^&*()', 'x'.repeat(300), 'abc']
  for (let i = 0; ascii.length < 250; i++) ascii.push(`user-${i}`)
  const utf8 = ['ñandú', '東京', 'emoji-🚕', 'Ünïcödé', 'Ελληνικά', 'עברית', 'ß', '🚕'.repeat(40)]
  for (let i = 0; utf8.length < 150; i++) utf8.push(i % 2 === 0 ? `clé-${i}-é` : `用户-${i}`)
  const numeric = ['0', '-1', '3.14', '1e21', '9007199254740993', FNV1A_MIN_INT32_KEY]
  for (let i = 0; numeric.length < 200; i++) numeric.push(String(i * 7919))
  const uuids: string[] = []
  while (uuids.length < 399) uuids.push(randomUUID())
  return ['', ...ascii, ...utf8, ...numeric, ...uuids]
}
