// Docker Compose path: used when a Docker engine answers (the repository's docker-compose.yml).
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Mode } from './paths.ts'

const composeFile = fileURLToPath(new URL('../../docker-compose.yml', import.meta.url))

export function dockerEngineAnswers(): boolean {
  if (process.env['KAFKIT_NO_DOCKER'] === '1') return false
  const res = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 10_000 })
  return !res.error && res.status === 0 && res.stdout.trim().length > 0
}

function compose(args: string[]) {
  return spawnSync('docker', ['compose', '-f', composeFile, ...args], { encoding: 'utf8', stdio: 'inherit' })
}

export const composeServices = (mode: Mode) => (mode === 'single' ? ['kafka'] : ['kafka-1', 'kafka-2', 'kafka-3'])

export function composeUp(mode: Mode): boolean {
  const profile = mode === 'single' ? [] : ['--profile', 'cluster']
  return compose([...profile, 'up', '-d', '--wait', ...composeServices(mode)]).status === 0
}

export function composeDown(mode: Mode): boolean {
  return compose(['--profile', 'cluster', 'stop', ...composeServices(mode)]).status === 0
}

export function composeRunning(mode: Mode): boolean {
  const res = spawnSync(
    'docker',
    ['compose', '-f', composeFile, '--profile', 'cluster', 'ps', '-q', ...composeServices(mode)],
    { encoding: 'utf8' },
  )
  return res.status === 0 && res.stdout.trim().length > 0
}

export function composeSignal(service: string, action: 'stop' | 'kill' | 'start'): boolean {
  return compose(['--profile', 'cluster', action, service]).status === 0
}
