export { ensureRegistry, stopRegistry, registryStatus, externalRegistry, testsNeedRegistry } from './local.ts'
export type {
  RegistryBackend,
  RegistryHandle,
  RegistryStartOptions,
  RegistryStatus,
  RegistryStopOptions,
} from './local.ts'
export { probeRegistry, waitForRegistry, type ProbeAuth, type RegistryProbe } from './probe.ts'
export { localRegistryUrl, registryPorts, REGISTRY_VERSION, distDir } from './paths.ts'
export { ensureRegistryDist, registryJava, RegistrySetupError, REGISTRY_INSTALL_HINT } from './runtime.ts'
