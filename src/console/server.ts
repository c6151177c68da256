// The console's HTTP server (Fastify, loaded only when the console starts): pages, the record
// stream, replays and offset resets behind --allow-writes, the token gate.
import type { FastifyInstance, FastifyReply, FastifyRequest, default as FastifyFactory } from 'fastify'
import { Admin } from '@platformatic/kafka'
import { applyOffsetReset, planOffsetReset } from '../admin/reset-offsets.ts'
import { wireConnectionOptions } from '../config/client.ts'
import { ConfigError, errorMessage } from '../errors.ts'
import { silentLogger } from '../logging/logger.ts'
import { Producer } from '../producer/producer.ts'
import { RegistryDecoder } from '../registry/decoder.ts'
import { STYLE, SCRIPT } from './assets.ts'
import { COOKIE, Gate, isLoopback, sameOrigin } from './auth.ts'
import { catalogFactsLoader } from './catalog-facts.ts'
import { readFailure } from './dead-letters.ts'
import { correlationPath, followTopic } from './follow.ts'
import { html } from './html.ts'
import { ReplayJobs } from './jobs.ts'
import { ConsoleModel } from './model.ts'
import type { ResolvedConsoleOptions } from './options.ts'
import { catalogPage } from './pages/catalog.ts'
import { dlqListPage, dlqTopicPage, failurePage, jobPage, type DlqParams } from './pages/dlq.ts'
import { groupPage, groupsPage } from './pages/groups.ts'
import { layout, type Page, type PageContext } from './pages/layout.ts'
import { overviewPage, topicPage } from './pages/overview.ts'
import { resetPlanPage } from './pages/reset.ts'
import { recordRow, tailPage, tracePage, type TailParams } from './pages/tail.ts'
import { PartitionReader } from './partition-reader.ts'
import { HttpError, replayRequest, requireWrites, resetTarget } from './requests.ts'
import { Sampler } from './sampler.ts'
import { catalogSchemas, registrySchemas } from './schemas.ts'

export interface RunningConsole {
  /** The address to open, e.g. http://127.0.0.1:8090 */
  url: string
  close(): Promise<void>
}

/** A running console with its model in view (kafkit's own tests wait on its samples). */
export interface ServedConsole extends RunningConsole {
  model: ConsoleModel
}

async function loadFastify(): Promise<typeof FastifyFactory> {
  try {
    return (await import('fastify')).default
  } catch (error) {
    throw new ConfigError(
      `kafkit console needs Fastify, which is not installed: npm install fastify@5 (${errorMessage(error)})`,
      [],
      { cause: error },
    )
  }
}

export async function serveConsole(options: ResolvedConsoleOptions): Promise<ServedConsole> {
  const Fastify = await loadFastify()
  const log = (options.logger ?? silentLogger()).child({ component: 'kafkit-console' })
  const admin = new Admin({ ...wireConnectionOptions(options.client, 'kafkit-console'), retries: 1 })
  const reader = new PartitionReader(options.client)
  let producer: Producer | undefined
  const model: ConsoleModel = new ConsoleModel({
    client: options.client,
    reader,
    catalog: options.catalog,
    sampler: new Sampler(admin, {
      intervalMs: options.refreshMs,
      historyMs: options.historyMs,
      healthUrls: options.healthUrls,
      onSample: (sample) => model.scanDlqs(sample),
    }),
  })
  const jobs = new ReplayJobs({
    client: options.client,
    admin,
    logger: log,
    // With a catalog, replays go where the topic's partitioner puts them (fnv1a, crc32: mixed fleets).
    sender: () =>
      (producer ??= new Producer({
        client: options.client,
        service: 'kafkit-console',
        logger: log,
        topics: options.catalog?.topics() ?? [],
      })),
  })
  const gate = new Gate(options.token)
  const followUps = new Map<string, string>()
  const streams = new Set<AbortController>()
  const catalogFacts = catalogFactsLoader(
    model,
    reader,
    options.schemas ?? (options.registry ? registrySchemas(options.registry) : catalogSchemas),
  )
  const framed = options.registry ? new RegistryDecoder(options.registry) : undefined

  const app: FastifyInstance = Fastify({ logger: false, return503OnClosing: true })
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body as string))),
  )

  const context = (): PageContext => ({
    connection: options.connection,
    clusterId: model.sample?.cluster.clusterId,
    allowWrites: options.allowWrites,
    sampledAt: model.sample?.at,
    samplingError: model.sampler.error,
    refreshMs: Math.min(options.refreshMs, 5_000),
  })
  const send = (request: FastifyRequest, reply: FastifyReply, page: Page) => {
    void reply.header('cache-control', 'no-store').type('text/html; charset=utf-8')
    if (request.headers['x-kafkit-fragment'] === 'live') return reply.send(page.body.text)
    return reply.send(layout(context(), page))
  }

  app.addHook('onRequest', async (request, reply) => {
    const url = new URL(request.url, 'http://console')
    const token = url.searchParams.get('token')
    if (token !== null) {
      const cookie = gate.cookieFor(token)
      if (!cookie) throw new HttpError(401, 'wrong token')
      url.searchParams.delete('token')
      return reply
        .header('set-cookie', `${COOKIE}=${cookie}; HttpOnly; SameSite=Strict; Path=/`)
        .redirect(`${url.pathname}${url.search}`, 303)
    }
    if (!gate.required && !isLoopback(hostName(request.headers.host))) {
      // Without a token the console answers only to loopback names (no DNS rebinding).
      throw new HttpError(403, 'this console answers only to 127.0.0.1 and localhost')
    }
    if (!gate.allows(request.headers)) {
      throw new HttpError(401, 'this console needs its token: open it once as /?token=<token>')
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const bearer = request.headers.authorization?.startsWith('Bearer ') === true
      if (!bearer && !sameOrigin(request.headers))
        throw new HttpError(403, 'a write must come from the console page itself')
    }
    return undefined
  })

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error instanceof HttpError ? error.status : (error.statusCode ?? 500)
    if (status >= 500) log.warn({ err: errorMessage(error), path: request.routeOptions.url }, 'console request failed')
    return reply
      .status(status)
      .type('text/html; charset=utf-8')
      .send(
        layout(context(), {
          title: status === 401 ? 'Token required' : 'Error',
          nav: 'overview',
          body: html`<p class="error">${error.message}</p>`,
        }),
      )
  })

  app.get('/assets/console.css', (_req, reply) =>
    reply.type('text/css').header('cache-control', 'max-age=3600').send(STYLE),
  )
  app.get('/assets/console.js', (_req, reply) =>
    reply.type('text/javascript').header('cache-control', 'max-age=3600').send(SCRIPT),
  )
  app.get('/healthz', () => ({ status: model.sample ? 'ok' : 'starting', error: model.sampler.error }))

  app.get('/', (req, reply) => send(req, reply, overviewPage(model, req.query as { q?: string; catalog?: string })))
  app.get('/topics/:name', (req, reply) => send(req, reply, topicPage(model, (req.params as { name: string }).name)))
  app.get('/groups', (req, reply) => send(req, reply, groupsPage(model)))
  app.get('/groups/:id', (req, reply) =>
    send(req, reply, groupPage(model, (req.params as { id: string }).id, options.allowWrites)),
  )
  app.post('/groups/:id/reset', async (req, reply) => {
    requireWrites(options.allowWrites)
    const id = (req.params as { id: string }).id
    const form = req.body as Record<string, string>
    const plan = await planOffsetReset(admin, { group: id, topic: form['topic'] ?? '', target: resetTarget(form) })
    return send(req, reply, resetPlanPage(plan, form))
  })
  app.post('/groups/:id/reset/apply', async (req, reply) => {
    requireWrites(options.allowWrites)
    const id = (req.params as { id: string }).id
    const form = req.body as Record<string, string>
    const plan = await planOffsetReset(admin, { group: id, topic: form['topic'] ?? '', target: resetTarget(form) })
    await applyOffsetReset(admin, plan)
    log.info({ group: id, topic: plan.topic, to: plan.target.to }, 'offsets reset from the console')
    await model.sampler.update()
    return reply.redirect(`/groups/${encodeURIComponent(id)}`, 303)
  })

  app.get('/dlq', (req, reply) => send(req, reply, dlqListPage(model)))
  app.get('/dlq/:topic', (req, reply) =>
    send(
      req,
      reply,
      dlqTopicPage(model, (req.params as { topic: string }).topic, req.query as DlqParams, options.allowWrites),
    ),
  )
  app.get('/dlq/:topic/:partition/:offset', async (req, reply) => {
    const p = req.params as { topic: string; partition: string; offset: string }
    if (!/^\d+$/.test(p.partition) || !/^\d+$/.test(p.offset))
      throw new HttpError(400, 'partition and offset are numbers')
    const message = await reader.at(p.topic, Number(p.partition), BigInt(p.offset))
    if (!message) throw new HttpError(404, `no record at ${p.topic} ${p.partition}/${p.offset} (deleted by retention?)`)
    return send(req, reply, failurePage(model, readFailure(message), options.allowWrites))
  })
  app.post('/dlq/:topic/replay', (req, reply) => {
    const topic = (req.params as { topic: string }).topic
    const job = jobs.start(replayRequest(topic, req.body as Record<string, string>))
    return reply.redirect(`/jobs/${job.id}`, 303)
  })
  app.get('/jobs/:id', (req, reply) => {
    const job = jobs.get((req.params as { id: string }).id)
    if (!job) throw new HttpError(404, 'no such replay (the console keeps the last 50)')
    return send(req, reply, jobPage(job, options.allowWrites))
  })
  app.post('/jobs/:id/run', (req, reply) => {
    requireWrites(options.allowWrites)
    const id = (req.params as { id: string }).id
    const dry = jobs.get(id)
    if (!dry || !dry.request.dryRun || dry.state !== 'done') throw new HttpError(409, 'run a dry run first')
    // One replay per dry run: a second click (or a reload) shows the replay already under way.
    let runId = followUps.get(id)
    if (!runId) {
      runId = jobs.start({ ...dry.request, dryRun: false }).id
      followUps.set(id, runId)
    }
    return reply.redirect(`/jobs/${runId}`, 303)
  })

  app.get('/catalog', async (req, reply) => send(req, reply, catalogPage(model, await catalogFacts())))
  app.get('/tail', (req, reply) => send(req, reply, tailPage(model, req.query as TailParams)))
  app.get('/trace', async (req, reply) => {
    const params = req.query as { correlation?: string; since?: string }
    const since = Date.now() - (Number(params.since) > 0 ? Number(params.since) : 3_600_000)
    const topics = traceTopics(model)
    const result = params.correlation
      ? await correlationPath(admin, reader, { topics, correlationId: params.correlation, since, framed })
      : undefined
    return send(req, reply, tracePage(params.correlation ?? '', result, since))
  })
  app.get('/api/tail', async (req, reply) => {
    const params = req.query as TailParams
    const topic = model.sample?.cluster.topics.find((t) => t.name === params.topic)
    if (!topic) throw new HttpError(404, `no topic ${params.topic ?? ''}`)
    const start = new Map(
      topic.partitions.map((p) => [p.partition, p.latest - 20n > p.earliest ? p.latest - 20n : p.earliest]),
    )
    reply.hijack()
    const out = reply.raw
    out.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' })
    const abort = new AbortController()
    streams.add(abort)
    req.raw.on('close', () => abort.abort())
    const event = (name: string, data: string) => out.write(`event: ${name}\ndata: ${data.replace(/\n/g, ' ')}\n\n`)
    event('status', `following ${topic.name}`)
    await followTopic(
      reader,
      topic.name,
      start,
      {
        type: params.type || undefined,
        key: params.key || undefined,
        correlationId: params.correlation || undefined,
      },
      (record) => event('record', recordRow(record).text),
      abort.signal,
      framed,
      (error) => event('status', `reading failed, trying again: ${errorMessage(error)}`),
    ).catch((error: unknown) => event('status', `stopped: ${errorMessage(error)}`))
    streams.delete(abort)
    out.end()
  })

  model.sampler.start()
  await app.listen({ host: options.host, port: options.port })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  const shownHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`
  log.info({ url, allowWrites: options.allowWrites, token: gate.required }, 'console listening')
  return {
    url,
    model,
    async close() {
      model.sampler.stop()
      for (const s of streams) s.abort()
      await app.close()
      await jobs.drain()
      await producer?.close().catch(() => undefined)
      await reader.close().catch(() => undefined)
      await admin.close().catch(() => undefined)
    },
  }
}

function hostName(host: string | undefined): string {
  if (!host) return ''
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1)
  return host.split(':')[0]!
}

/** The catalog's topics that exist, else (without a catalog) the first hundred topics that are not DLQs. */
function traceTopics(model: ConsoleModel): string[] {
  const present = (model.sample?.cluster.topics ?? []).filter((t) => !t.internal && !model.isDlq(t.name))
  if (model.catalog) return present.filter((t) => model.inCatalog(t.name)).map((t) => t.name)
  return present.map((t) => t.name).slice(0, 100)
}
