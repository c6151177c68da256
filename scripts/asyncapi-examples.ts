// npm run asyncapi:examples: regenerates the example catalogs' AsyncAPI documents with the CLI.
import { writeFileSync } from 'node:fs'
import { runCli } from '../src/cli/program.ts'
import { EXAMPLE_DOCUMENTS } from '../examples/catalogs/asyncapi/documents.ts'

for (const doc of EXAMPLE_DOCUMENTS) {
  const out: string[] = []
  const code = await runCli(['asyncapi', ...doc.args], {
    out: (line) => void out.push(line),
    err: (line) => void console.error(line),
    env: process.env,
  })
  if (code !== 0) process.exit(code)
  writeFileSync(doc.file, `${out.join('\n')}\n`)
  console.log(`wrote ${doc.file}`)
}
