// No module of src/ imports itself through others, type imports included: a circle makes the load
// order matter and hides which module owns what (as `npx madge --circular --extensions ts src` checks).
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { test } from 'node:test'

const SRC = resolve(import.meta.dirname, '../src')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

/** The relative modules a file imports or re-exports statically (`import type` too). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\b[^;'"]*?\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/gm),
    ...text.matchAll(/^\s*import\s+['"](\.{1,2}\/[^'"]+)['"]/gm),
  ]
  return specifiers.map((m) => resolve(dirname(file), m[1]!))
}

/** Every circle of imports, each once, as the files along it. */
function importCircles(root: string): string[][] {
  const files = sourceFiles(root)
  const graph = new Map(files.map((file) => [file, importsOf(file).filter((to) => to.endsWith('.ts'))]))
  const circles: string[][] = []
  const seen = new Set<string>()
  const state = new Map<string, 'open' | 'done'>()
  const path: string[] = []
  const visit = (file: string) => {
    state.set(file, 'open')
    path.push(file)
    for (const to of graph.get(file) ?? []) {
      if (state.get(to) === 'open') {
        const circle = path.slice(path.indexOf(to)).map((f) => relative(root, f))
        const key = [...circle].sort().join(' ')
        if (!seen.has(key)) {
          seen.add(key)
          circles.push(circle)
        }
      } else if (!state.has(to)) visit(to)
    }
    path.pop()
    state.set(file, 'done')
  }
  for (const file of files) if (!state.has(file)) visit(file)
  return circles
}

test('no circle of imports in src/, type imports included', () => {
  const circles = importCircles(SRC)
  assert.deepEqual(
    circles.map((c) => c.join(' > ')),
    [],
  )
})

test('the check finds a circle made only of type imports', () => {
  const graphRoot = resolve(import.meta.dirname, 'fixtures/import-circle')
  assert.deepEqual(
    importCircles(graphRoot).map((c) => c.join(' > ')),
    ['a.ts > b.ts'],
  )
})
