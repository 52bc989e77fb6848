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

/** Every host of the user (unpaged), by name: what a host picker offers (HostSelect). */
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

/** What the data center holds about a host: its row (`basic`) or its detail document. */
export function hostInfo(hostIds: string[], basic: boolean) {
  return api.post<{ host_infos: Record<string, unknown>[] }>('/manage/host/info/query', {
    host_list: hostIds,
    basic,
  })
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
