/**
 * The calls of the dashboard (21.09's dashboard/Dashboard made the same ones): counts from the
 * manager and the check scheduler, abnormal results per host, the latest abnormal results, and
 * the hosts' names for their ids.
 */
import { api } from './client'

export interface HostBasic {
  host_id: string
  host_name: string
  public_ip: string
}

export interface AbnormalCount {
  host_id: string
  count: number
}

export interface CheckResult {
  check_item: string
  host_id: string
  value: string
  description: string
  condition: string
  start: number
  end: number
}

export function hostCount() {
  return api.post<{ host_count: number }>('/manage/host/count', {})
}

export function ruleCount() {
  return api.post<{ rule_count: number }>('/check/rule/count', {})
}

/** The `perPage` hosts with most abnormal results, most first. */
export function topAbnormalHosts(perPage: number) {
  return api.post<{ results: AbnormalCount[]; total_count: number }>('/check/result/count', {
    host_list: [],
    sort: 'count',
    direction: 'desc',
    page: 1,
    per_page: perPage,
  })
}

/** The latest abnormal results (by start time, newest first). */
export function latestAbnormal(perPage: number) {
  return api.post<{ check_result: CheckResult[]; total_count: number }>('/check/result/get', {
    time_range: [],
    check_items: [],
    host_list: [],
    value: 'Abnormal',
    sort: 'start',
    direction: 'desc',
    page: 1,
    per_page: perPage,
  })
}

export interface Histogram {
  /** Start of each bucket (seconds), oldest first. */
  starts: number[]
  interval: number
  /** One line per rule with results in the range, by name; one count per bucket. */
  series: { check_item: string; counts: number[] }[]
}

/**
 * Abnormal results per rule per bucket of `interval` seconds over [from, to], counted by the
 * data center (at most 200 buckets): the chart never downloads the results themselves.
 */
export function abnormalHistogram(from: number, to: number, interval: number) {
  return api.post<Histogram>('/check/result/histogram', {
    time_range: [from, to],
    interval,
    value: 'Abnormal',
  })
}

/** Names and addresses of the given hosts (the user's own; an empty list would mean all). */
export function hostBasics(hostIds: string[]) {
  return api.post<{ host_infos: HostBasic[] }>('/manage/host/info/query', {
    host_list: hostIds,
    basic: true,
  })
}
