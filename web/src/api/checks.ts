/**
 * The check scheduler's routes (`/api/check/...`): rules, results, the rule dry-run and
 * validation, and the series behind a result (the browser never calls the data center).
 */
import { api } from './client'

export interface DataItem {
  name: string
  type: 'kpi' | 'log'
  label?: Record<string, string>
}

/** A rule as 21.09's rule files and `/check/rule/get` have it. */
export interface Rule {
  check_item: string
  data_list: DataItem[]
  condition: string
  description: string
  plugin: string
}

export type ResultValue = 'Abnormal' | 'No data' | 'Internal error'

export interface CheckResult extends Rule {
  host_id: string
  start: number
  end: number
  value: ResultValue
  series: string
  reason: string
}

export interface Paging {
  page?: number
  per_page?: number
  sort?: string
  direction?: 'asc' | 'desc'
}

export function getRules(body: Paging & { check_items?: string[] } = {}) {
  return api.post<{ check_items: Rule[]; total_count: number; total_page: number }>(
    '/check/rule/get',
    body,
  )
}

/** One outcome per rule: `fail_list` entries name the rule, its index, field and position. */
export interface ImportFailure {
  check_item: string
  index: number
  field?: string
  reason: string
  position?: number | null
}

export function importRules(rules: unknown[]) {
  return api.post<{ succeed_list: string[]; update_list: string[]; fail_list: ImportFailure[] }>(
    '/check/rule/import',
    { check_items: rules },
  )
}

export function deleteRules(names: string[]) {
  return api.delete<{ succeed_list: string[]; fail_list: unknown[] }>('/check/rule/delete', {
    check_items: names,
  })
}

/** Parse a rule as import would; rejects with the field, message and `position` when it does not. */
export function validateRule(rule: Rule, signal?: AbortSignal) {
  return api.post('/check/rule/validate', { rule }, signal ? { signal } : {})
}

/** What a rule would record over a past range (an inline rule: nothing is stored). */
export function testRule(body: { rule: Rule; host_list: string[]; time_range: [number, number] }) {
  return api.post<{
    check_result: CheckResult[]
    total_count: number
    counts: Record<ResultValue, number>
  }>('/check/rule/test', body, { timeout: 120_000 })
}

export interface ResultFilter extends Paging {
  host_list?: string[]
  check_items?: string[]
  time_range?: number[]
  value?: ResultValue
}

export function getResults(body: ResultFilter) {
  return api.post<{ check_result: CheckResult[]; total_count: number; total_page: number }>(
    '/check/result/get',
    body,
  )
}

export interface ChartSeries {
  index: number
  type: 'kpi' | 'log'
  name: string
  series: string
  samples: number
  values: [number, number | string | null][]
}

export interface ResultData {
  data_list: DataItem[]
  series_list: ChartSeries[]
  missing: { index: number; name: string; reason: string }[]
  abnormal: { start: number; end: number; series: string; reason: string }[]
  truncated: boolean
}

/** The series of a rule on a host over a window of at most a day, with the abnormal results. */
export function resultData(body: {
  host_id: string
  check_item: string
  time_range: [number, number]
  series?: string
}) {
  return api.post<ResultData>('/check/result/data', body)
}
