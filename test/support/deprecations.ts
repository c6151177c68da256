// The deprecation warnings (code KAFKIT_DEPRECATED) that a piece of work emits. kafkit warns once
// per name and process, and node:test runs each file in its own process: a file can see each
// deprecated name's first warning once.
export async function deprecationsDuring(work: () => unknown): Promise<string[]> {
  const warnings: string[] = []
  const listen = (warning: Error & { code?: string }) => {
    if (warning.code === 'KAFKIT_DEPRECATED' && warning.name === 'DeprecationWarning') warnings.push(warning.message)
  }
  process.on('warning', listen)
  try {
    await work()
    // process.emitWarning delivers on the next tick.
    await new Promise((resolve) => setImmediate(resolve))
  } finally {
    process.off('warning', listen)
  }
  return warnings
}
