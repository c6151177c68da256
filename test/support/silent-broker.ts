// A "broker" that accepts connections and never answers (a hung process, a black-holing proxy), and
// a port nothing listens on: the two ways a cluster fails to answer.
import { createServer, type Socket } from 'node:net'
import type { TestContext } from 'node:test'

/** Listens on a free port, accepts every connection, reads and never writes. Closed after the test. */
export async function silentBroker(t: TestContext): Promise<string> {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => undefined)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  const address = server.address()
  return `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
}

/** A port that refuses connections: one just released by a server. */
export async function refusingBroker(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 1
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `127.0.0.1:${port}`
}
