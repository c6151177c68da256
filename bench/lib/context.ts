// What a scenario's parent side gets from the runner.
import { runChild, type ChildOptions } from './child.ts'
import { createTopic } from './kafka.ts'
import type { Profile } from './settings.ts'

export class RunContext {
  readonly profile: Profile
  readonly bootstrap: string
  readonly java: boolean
  readonly profileDir: string | undefined
  readonly log: (line: string) => void
  /** Topics made in this run, deleted at its end. */
  readonly topics: string[] = []

  constructor(options: {
    profile: Profile
    bootstrap: string
    java: boolean
    profileDir?: string | undefined
    log: (line: string) => void
  }) {
    this.profile = options.profile
    this.bootstrap = options.bootstrap
    this.java = options.java
    this.profileDir = options.profileDir
    this.log = options.log
  }

  async topic(prefix: string, partitions: number): Promise<string> {
    const name = await createTopic(prefix, partitions)
    this.topics.push(name)
    return name
  }

  child<R>(task: string, params: unknown, options: ChildOptions = {}): Promise<R> {
    return runChild<R>(task, params, { profileDir: this.profileDir, ...options })
  }
}
