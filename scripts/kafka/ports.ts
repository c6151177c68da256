// Free ports for brokers started beside others (tests, the fault suite): a single broker takes five
// consecutive ports from its base, a cluster node n takes base+n, base+100+n, ... base+400+n.
import { createServer } from 'node:net'

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

async function allFree(ports: number[]): Promise<boolean> {
  return (await Promise.all(ports.map(portFree))).every(Boolean)
}

/** A base port whose next four ports (controller, SASL, SSL, SASL_SSL) are free too. */
export async function freePortBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 1600) * 5
    if (await allFree([0, 1, 2, 3, 4].map((i) => base + i))) return base
  }
  throw new Error('no free ports found for a broker')
}

/** A cluster base port (KAFKIT_KAFKA_CLUSTER_PORT) whose fifteen ports are free. */
export async function freeClusterBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 30000 + Math.floor(Math.random() * 600) * 5
    const ports = [1, 2, 3].flatMap((n) => [0, 100, 200, 300, 400].map((offset) => base + n + offset))
    if (await allFree(ports)) return base
  }
  throw new Error('no free ports found for a cluster')
}
