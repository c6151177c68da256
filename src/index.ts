// kafkit: the public face of the SDK. Each capability folder re-exports through its own index.ts.
export const VERSION = '0.1.0'
