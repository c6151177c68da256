// Summarizes V8 CPU profiles (from `npm run bench -- --cpu-prof`): the functions with the most
// self time, and self time per package or source folder.
// node bench/profile.ts <file.cpuprofile> [top]
import { readFileSync } from 'node:fs'

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
  children?: number[]
}

interface Profile {
  nodes: Node[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

/** Where a frame's code lives: a package, a kafkit folder, or Node itself. */
export function area(url: string): string {
  if (!url) return '(native / GC / idle)'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg) return pkg[1]!
  const src = /\/(src|bench)\/([^/]+)/.exec(url)
  if (src) return `${src[1]}/${src[2]}`
  return url.startsWith('node:') ? 'node internals' : url
}

export function summarizeProfile(profile: Profile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  // Each sample counts the same, at the mean sampling interval. Weighting a sample by the time since
  // the previous one charges a process's waits for a core (a loaded machine) to whatever ran next:
  // socket writes showed 11 % of a consumer's time that way, 2 % of its samples.
  const interval = (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length)
  for (const id of profile.samples) self.set(id, (self.get(id) ?? 0) + interval)
  const total = [...self.values()].reduce((a, b) => a + b, 0)
  const byFunction = new Map<string, number>()
  const byArea = new Map<string, number>()
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame
    const file = frame.url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')
    const name = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`
    byFunction.set(name, (byFunction.get(name) ?? 0) + us)
    byArea.set(area(frame.url), (byArea.get(area(frame.url)) ?? 0) + us)
  }
  const rows = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`)
  return [
    `total ${(total / 1e6).toFixed(2)} s sampled`,
    '',
    'self time by area:',
    ...rows(byArea, 15),
    '',
    'self time by function:',
    ...rows(byFunction, top),
  ].join('\n')
}

if (import.meta.main) {
  const [file, top] = process.argv.slice(2)
  if (!file) throw new Error('usage: node bench/profile.ts <file.cpuprofile> [top]')
  console.log(summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(top ?? 25)))
}
