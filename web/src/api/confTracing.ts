/**
 * gala-ragdoll's routes (`/api/domain`, `/api/host`, `/api/management`, `/api/confs`):
 * domains, their hosts and managed files, the hosts' sync status and the sync itself
 * (docs/configuration-tracing.md has every answer's shape).
 */
import { api, type Envelope } from './client'

export interface Domain {
  domainName: string
  priority: number
}

export interface DomainHost {
  hostId: string
  ip?: string
  ipv6?: string
}

export interface ManagedFile {
  filePath: string
  contents: string
  mode?: string
  owner?: string
  group?: string
}

/** A file to manage: its expected text, or the file as a host holds it now. */
export interface NewFile {
  filePath: string
  contents?: string
  hostId?: string
}

export interface Change {
  changeId: string
  author: string
  date: string
  changeReason: string
  diff: string
}

export interface DiffKey {
  section: string
  key: string
  expected: string | null
  real: string | null
}

export interface DiffAttribute {
  name: string
  expected: string | null
  real: string | null
}

export type SyncState = 'SYNCHRONIZED' | 'NOT SYNCHRONIZE' | 'NOT FOUND'

export interface FileStatus {
  filePath: string
  isSynced: SyncState
  confType: string
  // Present only where something differs.
  diffKeys?: DiffKey[]
  diffAttributes?: DiffAttribute[]
  diff?: string
  reason?: string
  driftedSince?: number | null
}

export interface HostStatus {
  hostId: string
  reachable: boolean
  reason?: string
  syncStatus: FileStatus[]
}

export interface FileSync {
  filePath: string
  result: string
  changed: boolean
  reason?: string
  diff?: string
  diffAttributes?: DiffAttribute[]
}

export interface HostSync {
  hostId: string
  syncStatus: 'SUCCESS' | 'FAILED'
  syncResult: FileSync[]
}

/**
 * A batch answer of ragdoll (`fail_reasons` by item) in the shape batchOutcome reads: each
 * failed item with its reason.
 */
export function withReasons<T extends Envelope & { fail_reasons?: Record<string, string> }>(
  reply: T,
): T {
  const reasons = reply.fail_reasons ?? {}
  const failed = (reply.fail_list ?? []).map((item) => ({
    name: String(item),
    reason: reasons[String(item)] ?? '',
  }))
  return { ...reply, fail_list: failed }
}

export function queryDomains() {
  return api.post<{ domains: Domain[] }>('/domain/queryDomain')
}

export function createDomain(domain: Domain) {
  return api.post('/domain/createDomain', [domain])
}

export async function deleteDomains(names: string[]) {
  return withReasons(await api.delete('/domain/deleteDomain', { domainName: names }))
}

export function domainHosts(domainName: string) {
  return api.post<{ hosts: DomainHost[] }>('/host/getHost', { domainName })
}

export function addDomainHosts(domainName: string, hostIds: string[]) {
  return api.post('/host/addHost', { domainName, hostInfos: hostIds.map((hostId) => ({ hostId })) })
}

export async function removeDomainHosts(domainName: string, hostIds: string[]) {
  const hostInfos = hostIds.map((hostId) => ({ hostId }))
  return withReasons(await api.delete('/host/deleteHost', { domainName, hostInfos }))
}

export function managedFiles(domainName: string) {
  return api.post<{ confFiles: ManagedFile[] }>('/management/getManagementConf', { domainName })
}

export function addManagedFile(domainName: string, file: NewFile, changeReason: string) {
  return api.post('/management/addManagementConf', { domainName, confFiles: [file], changeReason })
}

export async function deleteManagedFiles(
  domainName: string,
  paths: string[],
  changeReason: string,
) {
  const confFiles = paths.map((filePath) => ({ filePath }))
  return withReasons(
    await api.delete('/management/deleteManagementConf', { domainName, confFiles, changeReason }),
  )
}

export function changeLog(domainName: string, filePath: string) {
  return api.post<{ confBaseInfos: { filePath: string; changeLog: Change[] }[] }>(
    '/management/queryManageConfChange',
    { domainName, confFiles: [{ filePath }] },
  )
}

export function domainStatus(domainName: string) {
  return api.post<{ checkedAt: number | null; hostStatus: HostStatus[] }>(
    '/confs/getDomainStatus',
    { domainName },
  )
}

/** Sync every file of the domain to `hostIds`; `dryRun` writes nothing and answers the diffs. */
export function syncConf(domainName: string, hostIds: string[], dryRun: boolean) {
  return api.put<{ syncResults: HostSync[] }>('/confs/syncConf', {
    domainName,
    hostIds: hostIds.map((hostId) => ({ hostId })),
    dryRun,
  })
}
