// TLS settings from configuration reach the wire: SNI (each broker's host name by default, a fixed
// name, or none), the CA file, certificate verification. A local TLS server stands in for a broker:
// it records the server name of each ClientHello (the local Kafka has no TLS listener).
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { createServer, type Server } from 'node:tls'
import { checkConnection, ErrorCodes, loadConfig, type KafkitError } from 'kafkit'
import { workdir } from './workdir.ts'

function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** A self-signed certificate for localhost (it is its own CA), written to dir. */
function selfSigned(dir: string): { key: string; cert: string } {
  const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost']
  args.push('-addext', 'subjectAltName=DNS:localhost', '-keyout', 'key.pem', '-out', 'cert.pem')
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' })
  return { key: join(dir, 'key.pem'), cert: join(dir, 'cert.pem') }
}

async function tlsServer(t: TestContext, key: string, cert: string) {
  const names: (string | undefined)[] = []
  const options = { key: readFileSync(key), cert: readFileSync(cert) }
  const server: Server = createServer({
    ...options,
    SNICallback: (name, callback) => {
      names.push(name)
      callback(null, undefined)
    },
  })
  server.on('secureConnection', (socket) => socket.destroy())
  server.on('tlsClientError', () => undefined)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const address = server.address()
  return { port: typeof address === 'object' && address ? address.port : 0, names }
}

test(
  'SSL from config: SNI by default, a fixed name, or none; the CA file is trusted',
  { skip: !opensslAvailable() && 'openssl is not installed' },
  async (t) => {
    const dir = workdir(t)
    const { key, cert } = selfSigned(dir)
    const server = await tlsServer(t, key, cert)
    const connect = async (env: NodeJS.ProcessEnv) => {
      const config = loadConfig({
        argv: [],
        cwd: dir,
        env: { KAFKA_BROKERS: `localhost:${server.port}`, KAFKA_SECURITY_PROTOCOL: 'SSL', ...env },
      })
      // Not a Kafka broker: the check fails after the handshake; what matters is what the server saw.
      return checkConnection(config.client, { config, timeout: 3000 }).then(
        () => assert.fail('a TLS server that is not Kafka answered a metadata request'),
        (error: KafkitError) => error,
      )
    }

    const trusted = await connect({ KAFKA_TLS_CA_FILE: 'cert.pem' })
    assert.equal(trusted.code, ErrorCodes.BROKER_UNAVAILABLE)
    assert.deepEqual(server.names.splice(0), ['localhost'], 'SNI carries the broker host name by default')

    await connect({ KAFKA_TLS_CA_FILE: 'cert.pem', KAFKA_TLS_SERVER_NAME: 'kafka.example.com' })
    assert.deepEqual(server.names.splice(0), ['kafka.example.com'], 'a fixed server name')

    await connect({ KAFKA_TLS_CA_FILE: 'cert.pem', KAFKA_TLS_SERVER_NAME: 'off' })
    assert.deepEqual(server.names.splice(0), [], 'no SNI when turned off')

    await connect({ KAFKA_TLS_CA_FILE: 'cert.pem', KAFKA_BROKERS: `127.0.0.1:${server.port}` })
    assert.deepEqual(server.names.splice(0), [], 'no SNI for a broker given by IP address (RFC 6066)')

    const untrusted = await connect({})
    assert.match(untrusted.message, /self[- ]signed certificate/, 'without the CA file the certificate is refused')
  },
)
