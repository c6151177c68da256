// Apportions a .cpuprofile of the pool's measured pass (pool-diag.ts / pool-floor.ts with
// POOL_DIAG_PROFILE=<file>) by who owns the code: each kafkit source file, the wire client, other
// packages, Node's timers, promises and async context, streams, the garbage collector, idle.
//   node bench/micro/pool-profile.ts <file.cpuprofile> [records profiled] [top functions]
import { readFileSync } from 'node:fs'

interface Frame {
  functionName: string
  url: string
  lineNumber: number
}
interface Profile {
  nodes: { id: number; callFrame: Frame }[]
  startTime: number
  endTime: number
  samples: number[]
}

export function owner(frame: Frame): string {
  const { url, functionName } = frame
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC'
    if (functionName === '(idle)') return 'idle'
    if (functionName === '(program)') return '(program): V8/Node native, no JS frame'
    return `native: ${functionName}`
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg) return pkg[1] === '@platformatic/kafka' ? 'wire client (@platformatic/kafka)' : `package ${pkg[1]}`
  const src = /\/src\/(.+)\.ts$/.exec(url)
  if (src) return `kafkit src/${src[1]}`
  if (/\/bench\//.test(url)) return 'bench harness (handler, sampler)'
  if (/timers/.test(url)) return 'node timers'
  if (/task_queues|promise|async_hooks|async_local_storage|async_context/.test(url))
    return 'node promises / async context'
  if (/streams/.test(url)) return 'node streams'
  if (/events/.test(url)) return 'node events'
  return 'node other'
}

if (import.meta.main) {
  const [file, recordsArg, topArg] = process.argv.slice(2)
  if (!file) throw new Error('usage: node bench/micro/pool-profile.ts <file.cpuprofile> [records] [top]')
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]))
  const counts = new Map<number, number>()
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1)
  const byOwner = new Map<string, number>()
  const byFunction = new Map<string, number>()
  let busy = 0
  for (const [id, n] of counts) {
    const frame = frames.get(id)!
    const who = owner(frame)
    byOwner.set(who, (byOwner.get(who) ?? 0) + n)
    if (who !== 'idle') busy += n
    const where = frame.url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')
    const name = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`
    byFunction.set(name, (byFunction.get(name) ?? 0) + n)
  }
  const seconds = (profile.endTime - profile.startTime) / 1e6
  const total = profile.samples.length
  const records = Number(recordsArg ?? 0)
  const perSampleUs = (seconds * 1e6) / total
  console.log(`${total} samples over ${seconds.toFixed(2)} s; busy (not idle) ${((100 * busy) / total).toFixed(1)} %`)
  console.log('| owner | share of busy samples | µs per record |')
  console.log('| --- | ---: | ---: |')
  for (const [who, n] of [...byOwner].sort((a, b) => b[1] - a[1])) {
    if (who === 'idle') continue
    const us = records > 0 ? ((n * perSampleUs) / records).toFixed(2) : '-'
    console.log(`| ${who} | ${((100 * n) / busy).toFixed(1)} % | ${us} |`)
  }
  console.log('\ntop functions (share of busy samples):')
  for (const [name, n] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 30)))
    console.log(`${((100 * n) / busy).toFixed(1).padStart(5)} %  ${name}`)
}
