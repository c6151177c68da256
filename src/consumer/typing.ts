// Handler types that follow what the runtime hands over: the events a type pattern reaches (the
// matching of catalog/pattern.ts, at the type level) and the payload a `fields` projection leaves
// (what decode.ts's `project` builds). test/consumer/types.test.ts pins both.
import type { AnyEvent, PayloadOf, TypeOf } from '../catalog/event.ts'
import type { ConsumedEvent } from './types.ts'

type Segments<S extends string> = S extends `${infer Head}.${infer Rest}` ? [Head, ...Segments<Rest>] : [S]

/** A trailing "*" matches one or more segments, another "*" exactly one, any other segment itself. */
type SegmentsMatch<P extends string[], T extends string[]> = P extends [
  infer Want extends string,
  ...infer Rest extends string[],
]
  ? Rest extends []
    ? Want extends '*'
      ? T extends [string, ...string[]]
        ? true
        : false
      : T extends [Want]
        ? true
        : false
    : T extends [infer Have extends string, ...infer More extends string[]]
      ? Want extends '*' | Have
        ? SegmentsMatch<Rest, More>
        : false
      : false
  : false

/** Whether an event type matches an exact type, "domain.*", "a.*.c" or "*". */
export type TypeMatches<TType extends string, P extends string> = P extends '*'
  ? true
  : SegmentsMatch<Segments<P>, Segments<TType>>

/**
 * The definitions of `E` whose type matches `P` (every version: a wildcard handler gets events as
 * produced). A definition whose type is only known as `string` matches every pattern.
 */
export type Matching<E extends AnyEvent, P extends string> = E extends AnyEvent
  ? string extends TypeOf<E> | P
    ? E
    : TypeMatches<TypeOf<E>, P> extends true
      ? E
      : never
  : never

/** The pattern, or (when no event of `E` matches it, which `on` refuses at run time) a type error. */
export type PatternOf<E extends AnyEvent, P extends string> = [Matching<E, P>] extends [never]
  ? P & { readonly 'no event in the catalog matches this pattern': P }
  : P

/** The event a handler of definition(s) `D` receives (distributes over a union of definitions). */
export type EventOf<D> = D extends AnyEvent ? ConsumedEvent<PayloadOf<D>, TypeOf<D>> : never

// ---- subset projection ----------------------------------------------------------------------------

/** Values a path ends at: the runtime would index into these, but what it built would not be one. */
type Leaf =
  | readonly unknown[]
  | Date
  | Uint8Array
  | ReadonlyMap<unknown, unknown>
  | ReadonlySet<unknown>
  | ((...args: never[]) => unknown)

/** How deep paths go (payloads nest a few levels; a recursive type must stop somewhere). */
type Depth = [never, 0, 1, 2, 3, 4, 5]

type PathsOf<T, D extends number> = [D] extends [never]
  ? never
  : T extends Leaf
    ? never
    : T extends object
      ? string extends keyof T
        ? never // an index signature: the record is taken whole
        : { [K in keyof T & string]-?: K | `${K}.${PathsOf<NonNullable<T[K]>, Depth[D]>}` }[keyof T & string]
      : never

/** A dotted path into a payload, as `fields` takes it: "payload.user_id", "payload.address.city". */
export type FieldPath<TPayload> = `payload.${PathsOf<TPayload, 6>}`

type Head<Path extends string> = Path extends `${infer H}.${string}` ? H : Path
type Tail<Path extends string, K extends string> = Path extends `${K}.${infer Rest}` ? Rest : never
type Simplify<T> = { [K in keyof T]: T[K] } & {}
/** An object with no required key (`{}`, which the lint rule reads as "any value"). */
type NoKeys = Record<never, never>
type Optional<T, K extends keyof T> = NoKeys extends Pick<T, K> ? true : false

/** What a nested path keeps of one property's value (null or undefined there: nothing is kept). */
type Inner<T, K extends keyof T, Paths extends string> = DeepPick<NonNullable<T[K]>, Tail<Paths, K & string>>

/**
 * Whether a property reached by nested paths may be absent: the runtime leaves it out when its value
 * is null or undefined, or when none of the nested values it picks is there.
 */
type MayLack<T, K extends keyof T, Paths extends string> =
  Optional<T, K> extends true
    ? true
    : null extends T[K]
      ? true
      : undefined extends T[K]
        ? true
        : NoKeys extends Inner<T, K, Paths>
          ? true
          : false

/** The payload `project` builds from `Paths` (payload-relative): nested objects hold only what was asked. */
export type DeepPick<T, Paths extends string> = T extends unknown
  ? Simplify<
      { [K in keyof T as K extends Paths ? K : never]: T[K] } & {
        [
          K in keyof T as K extends Paths
            ? never
            : K extends Head<Paths>
              ? MayLack<T, K, Paths> extends true
                ? never
                : K
              : never
        ]-?: Inner<T, K, Paths>
      } & {
        [
          K in keyof T as K extends Paths
            ? never
            : K extends Head<Paths>
              ? MayLack<T, K, Paths> extends true
                ? K
                : never
              : never
        ]?: Inner<T, K, Paths>
      }
    >
  : never

type PayloadPaths<F> = F extends `payload.${infer Path}` ? Path : never

/** The event a handler of `D` receives with the projection `F`: its envelope whole, its payload with only the fields listed. */
export type ProjectedEventOf<D, F extends readonly string[]> = D extends AnyEvent
  ? ConsumedEvent<DeepPick<PayloadOf<D>, PayloadPaths<F[number]>>, TypeOf<D>>
  : never
