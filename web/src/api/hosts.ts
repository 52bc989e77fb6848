/** Host and host-group routes of the manager (aops_manager/api/hosts.py). */
import type { HostChoice } from '@/composables/useHostChoices'

import { api } from './client'

export type Direction = 'asc' | 'desc'
/** `online` / `offline` (aops_manager/status.py). */
export type HostStatus = string

export interface Host {
  host_id: string
  host_name: string
  host_group_name: string
  public_ip: string
  ssh_port: number
  management: boolean
  /** `online` / `offline` from the manager's SSH probe; null before the first probe. */
  status: HostStatus | null
}

export interface Paged {
  total_count: number
  total_page: number
}

export interface HostQuery {
  page: number
  per_page: number
  host_group_list?: string[]
  /** Management hosts only (true), the others only (false), all (absent). */
  management?: boolean
  sort?: 'host_name' | 'host_group_name' | ''
  direction?: Direction
}

/** One page of the user's hosts; the data center filters, sorts and pages. */
export function getHosts(query: HostQuery) {
  return api.post<Paged & { host_infos: Host[] }>('/manage/host/get', query)
}

/** Every host of the user (unpaged), by name: what a host picker offers (MultiSelect). */
export function hostChoices() {
  return api.post<{ host_infos: HostChoice[] }>('/manage/host/get', { sort: 'host_name' })
}

export interface NewHost {
  host_name: string
  host_group_name: string
  public_ip: string
  ssh_port: number
  management: boolean
  username: string
  password?: string
  private_key?: string
}

/** Add hosts; the credentials are encrypted with the vault key (`key`, 1203 when it is wrong). */
export function addHosts(key: string, hosts: NewHost[]) {
  return api.post<{ host_list: string[] }>('/manage/host/add', { key, host_list: hosts })
}

/** Delete hosts per item: `succeed_list` and `fail_list` (206 when some failed). */
export function deleteHosts(hostIds: string[]) {
  return api.delete('/manage/host/delete', { host_list: hostIds })
}

/** Probe the hosts' SSH ports now (all the user's hosts when `hostIds` is empty). */
export function refreshStatus(hostIds: string[]) {
  return api.post<{ host_infos: { host_id: string; status: HostStatus }[] }>(
    '/manage/host/status/refresh',
    { host_list: hostIds },
  )
}

/** The hosts' inventory rows as the data center holds them (`basic`), status included. */
export function hostRows(hostIds: string[]) {
  return api.post<{ host_infos: Host[] }>('/manage/host/info/query', {
    host_list: hostIds,
    basic: true,
  })
}

/**
 * A host's details from Ansible's facts, as 21.09's web drawer read them
 * (aops_manager/deploy/facts.py; 21.09's spellings `bios_verison` and `verdor_id` kept). Any
 * value may be null where the host's facts lack it.
 */
export interface HostFacts {
  host_id: string
  /** POSIX seconds. */
  collected_at: number
  os: {
    name: string | null
    family: string | null
    kernel_version: string | null
    bios_verison: string | null
    hostname: string | null
    virtualization: string | null
  }
  cpu: {
    architecture: string | null
    core_count: number | null
    physical_count: number | null
    cores_per_socket: number | null
    threads_per_core: number | null
    model_name: string | null
    verdor_id: string | null
  }
  /** `total` and `swap` in MB. */
  memory: { size: string | null; total: number | null; swap: number | null }
  disks: {
    name: string
    size: string | null
    model: string | null
    vendor: string | null
    rotational: boolean
    partitions: string[]
  }[]
  nics: {
    name: string
    mac: string | null
    ipv4: string | null
    netmask: string | null
    ipv6: string[]
    mtu: number | null
    /** Mb/s. */
    speed: number | null
    active: boolean | null
  }[]
}

/** The hosts' collected details; a host never collected has no item. */
export function hostFacts(hostIds: string[]) {
  return api.post<{ host_infos: HostFacts[] }>('/manage/host/info/query', {
    host_list: hostIds,
    basic: false,
  })
}

/**
 * Collect the hosts' details now (Ansible's facts; needs the vault key in the manager, 1203
 * otherwise). 206 when some host has none: `fail_reasons` says why for each.
 */
export function collectFacts(hostIds: string[]) {
  return api.post<{
    succeed_list: string[]
    fail_list: string[]
    fail_reasons: Record<string, string>
    host_infos: HostFacts[]
  }>(
    '/manage/host/info/collect',
    { host_list: hostIds },
    // A collection waits for Ansible's `setup` on the hosts ([deploy] facts_timeout, 60 s).
    { timeout: 120_000 },
  )
}

export interface HostGroup {
  host_group_name: string
  description: string
  host_count: number
}

export interface GroupQuery {
  page?: number
  per_page?: number
  sort?: 'host_group_name' | 'host_count' | ''
  direction?: Direction
}

export function getGroups(query: GroupQuery) {
  return api.post<Paged & { host_group_infos: HostGroup[] }>('/manage/host/group/get', query)
}

export function addGroup(body: { host_group_name: string; description: string }) {
  return api.post('/manage/host/group/add', body)
}

/** Delete groups; a group that still holds hosts is refused with the server's reason. */
export function deleteGroups(names: string[]) {
  return api.delete('/manage/host/group/delete', { host_group_list: names })
}

/** The largest page the services give (aops_utils/restful/paging.py MAX_PER_PAGE). */
export const MAX_PER_PAGE = 50

/** Every group name of the user, page by page (the filter and the add form list them). */
export async function allGroupNames(): Promise<string[]> {
  const names: string[] = []
  for (let page = 1; ; page++) {
    const reply = await getGroups({ page, per_page: MAX_PER_PAGE, sort: 'host_group_name' })
    names.push(...reply.host_group_infos.map((group) => group.host_group_name))
    if (page >= reply.total_page) return names
  }
}
